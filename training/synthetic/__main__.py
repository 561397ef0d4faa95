"""``python -m docai.training.synthetic OUT_DIR --count N --seed S``: write a corpus (see ``corpus.main``)."""

from docai.training.synthetic.corpus import main

if __name__ == "__main__":
    raise SystemExit(main())
