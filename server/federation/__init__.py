"""Federated queries (SERVICE) through code we control.

pyoxigraph's own SERVICE client has no timeout, no allowlist and a request form Virtuoso never answers
(DESIGN §5), so the store refuses SERVICE and the endpoint answers it first: ``federate.resolve``
rewrites each SERVICE block into VALUES holding the remote endpoint's solutions, fetched by our client
(``client``) from allowlisted origins only (``origins``). ``blocks`` is the pure text part. Nothing here
imports the web layer; the package itself imports nothing, so ``settings`` can use ``origins``.
"""
