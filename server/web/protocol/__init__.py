"""The SPARQL 1.1 service: the query endpoint, its Service Description, VoID and the dumps."""
