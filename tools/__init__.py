"""Development tools: the loopback test server, the page benchmark (``python -m tools.bench``) and the
other SPARQL stores the tests start (Virtuoso, the Oxigraph server).

Not part of the installed package (the wheel holds only ``server/``): these need the ``dev`` extra (httpx,
Playwright). ``tools`` may import ``server``; ``server`` never imports ``tools`` or ``tests``.
"""
