# rdflib: one entity's document (/doc/…, what its IRI /id/… redirects to) parsed as Turtle
# Run: pip install rdflib && python 4-rdflib-parse.py
from rdflib import Graph, Namespace, URIRef

MIG = Namespace("https://w3id.org/migkg/def#")
event = URIRef("https://w3id.org/migkg/id/event/fibemyd-2008")
graph = Graph().parse("http://127.0.0.1:8000/doc/event/fibemyd-2008", format="turtle")
print(len(graph), "triples")
for place in graph.objects(event, MIG.heldIn):
    print("held in", place)
