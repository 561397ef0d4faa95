"""TrainingService: tuning jobs (their records, store and the runner contract) and adapter promotion over gRPC.

The jobs themselves are run by the offline tools (``docai.training``), plugged in through
:mod:`docai.services.extensions`.
"""
