"""docai's services. Importing the package makes the Hugging Face libraries work offline."""

import os

# Nothing downloads at run time: models and adapters come from the package and var/, never the Hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
