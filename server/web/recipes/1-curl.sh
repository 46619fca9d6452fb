# curl: a SELECT, answered as CSV (GET, the query URL-encoded)
# Run: sh 1-curl.sh
curl -sS -G 'http://127.0.0.1:8000/sparql' -H 'Accept: text/csv' --data-urlencode 'query=
PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?place WHERE {
  ?event mig:heldIn ?where .
  ?where rdfs:label ?place FILTER(LANG(?place) = "en")
}
ORDER BY ?event'
