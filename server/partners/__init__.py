"""Partners writing their own graphs: registry and tokens, who may write what, uploads, the gate, durable storage.

``registry``, ``rules``, ``upload``, ``report`` and ``storage`` are plain libraries any process may use (the
web layer included). ``gate`` and ``writer`` run the pipeline's SHACL validation and reasoner; they are meant to
run in a writer process, and only they import ``server.pipeline`` (a test checks it).
"""
