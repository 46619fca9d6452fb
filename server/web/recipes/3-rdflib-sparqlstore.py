# rdflib: the endpoint as a read-only graph (SPARQLStore); queries run on the server
# Run: pip install rdflib && python 3-rdflib-sparqlstore.py
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore

graph = Graph(SPARQLStore("http://127.0.0.1:8000/sparql"))
answer = graph.query("""
PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?place WHERE {
  ?event mig:heldIn ?where .
  ?where rdfs:label ?place FILTER(LANG(?place) = "en")
}
ORDER BY ?event
""")
for event, place in answer:
    print(event, place)
