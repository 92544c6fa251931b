"""Run by the IRRd image's Python: validate an irrd.yaml (path in argv[1]) with
IRRd's own config checks; the piddir is replaced by a scratch one."""

import sys
import tempfile


def main() -> None:
    text = open(sys.argv[1]).read()
    with tempfile.TemporaryDirectory() as tmp:
        text = text.replace("piddir: /run/irrd", f"piddir: {tmp}")
        path = f"{tmp}/irrd.yaml"
        with open(path, "w") as f:
            f.write(text)
        from irrd.conf import config_init

        config_init(path)  # raises ConfigurationError naming what is wrong
        print("ok")


if __name__ == "__main__":
    main()
