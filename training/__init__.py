"""docai training: synthetic data, datasets, the trainer, the gate and the adapter registry."""

import docai.services  # noqa: F401 - sets the offline switch before transformers or peft load
