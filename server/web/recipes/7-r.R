# R: a SELECT as CSV with httr, read into a data frame (or with the SPARQL package)
# Run: install.packages("httr"); then Rscript 7-r.R
library(httr)

query <- '
PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?place WHERE {
  ?event mig:heldIn ?where .
  ?where rdfs:label ?place FILTER(LANG(?place) = "en")
}
ORDER BY ?event'
response <- GET("http://127.0.0.1:8000/sparql", query = list(query = query), add_headers(Accept = "text/csv"))
stop_for_status(response)
events <- read.csv(text = content(response, as = "text", encoding = "UTF-8"))
print(events)

# The same with the SPARQL package: library(SPARQL); SPARQL("http://127.0.0.1:8000/sparql", query)$results
