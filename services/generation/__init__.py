"""The generation service: product descriptions in a brand's voice, streamed, with a quality scorecard.

Modules: ``brands`` (style guides from YAML), ``prompt`` (the one prompt builder of training
and inference), ``lexicon`` + ``scorecard`` (grounding and brand rules), ``voice`` (brand-voice
classifier), ``feedback`` (durable seller feedback), ``service`` (the domain), ``convert`` +
``servicer`` (gRPC), ``bench`` (base model + prompt versus brand adapters).
"""
