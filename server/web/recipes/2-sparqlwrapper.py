# SPARQLWrapper: a SELECT, its JSON results as Python dictionaries
# Run: pip install sparqlwrapper && python 2-sparqlwrapper.py
from SPARQLWrapper import JSON, SPARQLWrapper

sparql = SPARQLWrapper("http://127.0.0.1:8000/sparql")
sparql.setQuery("""
PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?place WHERE {
  ?event mig:heldIn ?where .
  ?where rdfs:label ?place FILTER(LANG(?place) = "en")
}
ORDER BY ?event
""")
sparql.setReturnFormat(JSON)
for row in sparql.queryAndConvert()["results"]["bindings"]:
    print(row["event"]["value"], row["place"]["value"])
