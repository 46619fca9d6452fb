# pandas: a SELECT as CSV (format=csv) straight into a DataFrame
# Run: pip install pandas && python 5-pandas.py
from urllib.parse import urlencode

import pandas as pd

query = """
PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?place WHERE {
  ?event mig:heldIn ?where .
  ?where rdfs:label ?place FILTER(LANG(?place) = "en")
}
ORDER BY ?event
"""
events = pd.read_csv("http://127.0.0.1:8000/sparql?" + urlencode({"query": query, "format": "csv"}))
print(events.to_string(index=False))
print(events["place"].value_counts().to_string())
