"""The import contracts of pyproject.toml ([tool.importlinter], checked by `lint-imports` in
`make lint`): the tree keeps them, an import against any direction they guard breaks them, no
module imports back in a circle (function-level imports included), and every module of the
application has its layer."""

import itertools
from dataclasses import dataclass
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract

CONFIG = read_configuration(str(Path(__file__).resolve().parents[1] / "pyproject.toml"))
CONTRACTS = {options["id"]: options for options in CONFIG["contracts_options"]}
ROOTS = CONFIG["session_options"]["root_packages"]
TYPES = {"layers": LayersContract, "acyclic_siblings": AcyclicSiblingsContract}


@dataclass
class Layer:
    modules: list[str]
    independent: bool  # "a | b": neither may import the other; "a : b": they may


def layers(contract_id: str) -> list[Layer]:
    """A layers contract's layers, top first, with full module names."""
    options = CONTRACTS[contract_id]
    prefixes = [f"{container}." for container in options.get("containers", [])] or [""]
    found = []
    for raw in options["layers"]:
        names = [name.strip() for name in raw.replace("|", ":").split(":")]
        modules = [prefix + name for prefix in prefixes for name in names]
        found.append(Layer(modules, independent="|" in raw or len(names) == 1))
    return found


def back_imports() -> list:
    """For each layers contract: a lower layer importing the layer above it, and independent
    siblings importing each other. Every one of them must break its contract."""
    cases = []
    for contract_id in ("apps", "nudges"):
        rows = layers(contract_id)
        for upper, lower in itertools.pairwise(rows):
            cases += [(contract_id, low, high) for low in lower.modules for high in upper.modules]
        for row in rows:
            if row.independent:
                cases += [(contract_id, a, b) for a, b in itertools.permutations(row.modules, 2)]
    # For the cycle contract: turn an import that exists round, in each application package.
    cases += [
        ("acyclic", "intimacy.nudges.catalogue", "intimacy.nudges.models"),
        ("acyclic", "checkins.models", "checkins.services"),
        ("acyclic", "prompts.models", "prompts.services"),
    ]
    return [pytest.param(*case, id=f"{case[0]}: {case[1]} -> {case[2]}") for case in cases]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*ROOTS, cache_dir=None)


def kept(graph: grimp.ImportGraph, contract_id: str) -> bool:
    options = CONTRACTS[contract_id]
    contract = TYPES[options["type"]](
        name=options["name"],
        session_options=CONFIG["session_options"],
        contract_options=options,
    )
    return contract.check(graph, verbose=False).kept


def circles(graph: grimp.ImportGraph) -> set[tuple[str, ...]]:
    """Every import that leads back to its importer, with the way back."""
    return {
        (importer, *graph.find_shortest_chain(importer=imported, imported=importer))
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if graph.chain_exists(importer=imported, imported=importer)
    }


def test_the_application_keeps_every_import_contract(graph):
    assert [name for name in CONTRACTS if not kept(graph, name)] == []


def test_no_module_imports_back_in_a_circle(graph):
    assert circles(graph) == set()


def test_every_module_of_the_application_has_its_layer(graph):
    """The nudges contract is exhaustive by itself; the apps contract names the wiring's
    modules one by one, so a new one must be added to it."""
    placed = [module for layer in layers("apps") for module in layer.modules]
    loose = sorted(
        module
        for module in graph.modules - set(ROOTS)
        if not any(module == p or module.startswith(f"{p}.") for p in placed)
    )
    assert loose == [], "Give these modules a layer in pyproject.toml [tool.importlinter]"


@pytest.mark.parametrize(("contract_id", "importer", "imported"), back_imports())
def test_an_import_against_a_guarded_direction_breaks_its_contract(
    graph, contract_id, importer, imported
):
    assert not graph.direct_import_exists(importer=importer, imported=imported)
    graph.add_import(importer=importer, imported=imported)
    try:
        assert not kept(graph, contract_id), f"{importer} may import {imported}"
        if contract_id == "acyclic":
            assert circles(graph)
    finally:
        graph.remove_import(importer=importer, imported=imported)
    assert kept(graph, contract_id)
