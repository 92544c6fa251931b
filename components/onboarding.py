"""Where the user's CA stands with its parent, and what the user does next.

Prod onboarding goes through the parent's portal in steps (the seed's
order): the stack makes the CA and its requests; the user hands them to the
parent and saves the responses; the stack sets parent and repository and
publishes the ROAs; the route then becomes RPKI-valid at the relying
parties. `up` completes at every step and says which one it is in (the
stack output `onboarding`).

ACME's HTTP-01 check reaches route0 only over the announced, valid route.
So, outside a lab world, `acme` waits until both responses are in: until
then route0 serves plain HTTP, and the `up` after the responses turns
HTTPS on. (A lab world orders it itself: its ACME client starts once the
route is VALID at transit.)

A lab world's stack with `lab_portal` goes through the same stages: the
lab's LIR plays the parent's portal, and whoever runs the stack (the vmlab
tier's run of the prod guide) hands it the requests and saves its responses.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import StackConfig


@dataclass(frozen=True)
class Stage:
    key: str        # lab | awaiting-parent | awaiting-repository | published
    next_step: str  # in words, for the user

    @property
    def acme_ready(self) -> bool:
        return self.key in ("lab", "published")


def onboarding_stage(cfg: StackConfig) -> Stage:
    if cfg.faces_lab and not cfg.lab_portal:
        return Stage("lab", "nothing to do: a lab world's parent (the lab RIR's LIR) is set up by the stack")
    k = cfg.krill
    acme = (" route0 serves plain HTTP until then; `acme` waits for the route." if cfg.acme else "")
    if not k.parent_response_file:
        return Stage("awaiting-parent", (
            "hand the stack output krill_child_request_xml (`pulumi stack output krill_child_request_xml "
            "--show-secrets`) to your parent's portal (RIPE NCC: My Resources > RPKI > request a delegated CA), "
            "save the parent response XML it gives back, set krill.parent_response_file to its path, and run "
            "`pulumi up` again." + acme))
    if not k.repository_response_file:
        return Stage("awaiting-repository", (
            "hand the stack output krill_publisher_request_xml to your repository (usually the same portal), "
            "save its repository response XML, set krill.repository_response_file to its path, and run "
            "`pulumi up` again." + acme))
    prefixes = ", ".join(cfg.prefixes)
    return Stage("published", (
        f"the CA has its parent and repository and publishes your ROAs. Check that {prefixes} from AS{cfg.asn} "
        "is RPKI-valid (e.g. https://rpki-validator.ripe.net/ui/ or your transit's looking glass); relying "
        "parties pick it up within about an hour."
        + (" route0's ACME client starts now and retries on its own (every 1 to 15 min) until the CA can "
           "reach route0 over the valid route; it then switches route0 to HTTPS by itself, with no `pulumi up`."
           if cfg.acme else "")))


def as_built(cfg: StackConfig, stage: Stage) -> StackConfig:
    """The config the stack builds in this stage: without `acme` before the
    route can be valid."""
    return cfg if stage.acme_ready or cfg.acme is None else cfg.model_copy(update={"acme": None})
