"""Every benchmark of docai, in one place (figures go to docs/BENCHMARKS.md with command, machine and date).

``docai bench`` (:mod:`.suite`) runs the ones an operator repeats on an install: extraction
stages, throughput of the reader and generative paths, and the e-invoice path (:mod:`.einvoice`).
The others run as ``python -m docai.training.bench.<name>``:

- :mod:`.decode`: the constrained decode loop against plain ``generate``;
- :mod:`.engine`: ONNX Runtime against transformers (tokens/s, adapters, first piece, memory);
- :mod:`.descriptions`, :mod:`.publishable` and :mod:`.learning`: brand descriptions (scorecard,
  blind-read sheets), training cost, hot swap, learning curve;
- :mod:`.line_items`, :mod:`.vendor_memory`, :mod:`.free_labels`: reading quality of one part;
- :mod:`.review_listing`, :mod:`.scale_out`: the database under many tasks, worker processes.
"""
