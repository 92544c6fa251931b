"""Render layer: pure functions from validated config to config file text."""

from .bird import plaintext_passwords, render_bird_conf
from .krill import Testbed, render_krill_conf
from .nginx import render_krill_proxy_conf, render_route0_conf, render_route0_page

__all__ = [
    "Testbed", "plaintext_passwords", "render_bird_conf", "render_krill_conf",
    "render_krill_proxy_conf", "render_route0_conf", "render_route0_page",
]
