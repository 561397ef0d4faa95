"""Ask docai for a product description in each example brand's voice, streamed, with its scorecard.

Run against `make run`:  .venv/bin/python examples/describe_product.py
(`--address`, `--token-file` for another server.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grpc

from docai.services.pb.generation.v1 import generation_service_pb2 as pb
from docai.services.pb.generation.v1 import generation_service_pb2_grpc as rpc

PRODUCT = pb.Product(
    title="Fjord Shell Jacket",
    category="outdoor jackets",
    attributes=[
        pb.ProductAttribute(key="material", value="recycled polyester"),
        pb.ProductAttribute(key="weight", value="420 g"),
        pb.ProductAttribute(key="colour", value="olive"),
        pb.ProductAttribute(key="features", value="waterproof, breathable, taped seams"),
    ],
    raw_text="BEST JACKET EVER!!! 420g only, recycled polyester, waterproof + breathable, taped seams. "
    "olive colour. free shipping, ask me anything :)",
)


def describe(stub: rpc.GenerationServiceStub, brand: str, auth: tuple[tuple[str, str], ...]) -> pb.Description:
    """Stream one description, printing the text as it arrives; returns the final description."""
    request = pb.GenerateDescriptionRequest(product=PRODUCT, brand=f"brands/{brand}")
    for message in stub.GenerateDescription(request, metadata=auth):
        if message.HasField("description"):
            return message.description
        print(message.text_delta, end="", flush=True)
    raise RuntimeError("the stream ended without a description")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--token-file", type=Path, default=Path("var/demo_token"))
    args = parser.parse_args()
    auth = (("authorization", f"Bearer {args.token_file.read_text().strip()}"),)
    stub = rpc.GenerationServiceStub(grpc.insecure_channel(args.address))
    clean = True
    for brand in ("nordkraft", "sunny-days"):
        print(f"--- {brand}")
        description = describe(stub, brand, auth)
        card = description.scorecard
        problems = [f"{pb.ViolationKind.Name(v.kind)}: {v.span or v.detail}" for v in card.violations]
        print(
            f"\n[adapter {description.adapter or 'none'}; passed={card.passed} grounded={card.grounded} "
            f"words={card.word_count} voice={card.voice_score:.2f}] {'; '.join(problems)}"
        )
        clean = clean and card.passed
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
