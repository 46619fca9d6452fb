// Comunica (Node.js): the endpoint as a SPARQL source
// Run: npm install @comunica/query-sparql && node 6-comunica.mjs
import { QueryEngine } from "@comunica/query-sparql";

const engine = new QueryEngine();
const bindings = await engine.queryBindings(`
PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?place WHERE {
  ?event mig:heldIn ?where .
  ?where rdfs:label ?place FILTER(LANG(?place) = "en")
}
ORDER BY ?event`, { sources: [{ type: "sparql", value: "http://127.0.0.1:8000/sparql" }] });
for (const row of await bindings.toArray()) {
  console.log(row.get("event").value, row.get("place").value);
}
