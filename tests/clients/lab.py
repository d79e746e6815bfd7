"""A lab made through the generated client only: one create body per collection, built with the
client's own models, its parents made the same way.

Each collection's JSON field is given values holding arrays, nested objects and nulls, so a client
that mangled any of them (dropped a null, flattened an array) would be caught by the round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.builders.base import unique_name
from tests.harness.generated_client import GENERATED_CLIENTS, GeneratedClient, generated_client
from tests.harness.live import LiveServer

#: JSON values as a lab writes them: arrays of mixed values, objects in arrays in objects, nulls
NESTED: dict[str, Any] = {
    "plates": [1, 2.5, {"barcode": None, "wells": [["A1", True], []]}],
    "door": {"open": None, "log": [None, {"at": "10:15", "by": ["robot", None]}]},
    "empty": {},
}
CHANGED: dict[str, Any] = {"door": {"open": True}, "history": [[None], {"deep": {"deeper": [0, -1, None]}}]}
REPLACED: dict[str, Any] = {"note": None, "list": [[], {}, "", False]}
#: a protocol's parameters: entries with their names, and whatever else describes them
PARAMETERS: list[dict[str, Any]] = [
    {"name": "volume_ul", "type_hint": "float", "optional": False, "bounds": [1, {"max": 200, "unit": None}]},
    {"name": "plate", "type_hint": "Plate", "default": None, "tags": []},
]

#: a run's inputs: the parameters its protocol takes, one of them nested JSON
RUN_INPUTS: dict[str, Any] = {"volume_ul": 50, "plate": NESTED}


class ClientLab:
    """Makes and reads things through the generated client, each answer checked for its status."""

    def __init__(self, generated: GeneratedClient, client: Any) -> None:
        self.generated = generated
        self.client = client
        #: the generated package's models (``WorkcellCreate``, ``ErrorBody``, ...)
        self.models = generated.models

    def answer(self, operation_id: str, **arguments: Any) -> Any:
        """The operation's ``Response`` (``status_code``, ``parsed``), whatever its status."""
        return self.generated.call(self.client, operation_id, **arguments)

    def call(self, operation_id: str, status: int, **arguments: Any) -> Any:
        """The operation's typed body, once its status is ``status``."""
        response = self.answer(operation_id, **arguments)
        assert response.status_code == status, (operation_id, response.status_code, response.content)
        return response.parsed

    def create(self, noun: str, **fields: Any) -> Any:
        """A new ``noun`` (``workcell``, ``deck``, ...) from its collection's body, ``fields`` laid over."""
        body = BODIES[noun](self)
        for name, value in fields.items():
            setattr(body, name, value)
        return self.call(f"create_{noun}", 201, body=body)

    def json(self, model: str, value: dict[str, Any]) -> Any:
        """A JSON object field's model (``WorkcellCreateLatestState``) holding ``value``."""
        return getattr(self.models, model).from_dict(value)


@contextmanager
def lab_on(server: LiveServer, token: str) -> Iterator[ClientLab]:
    """A lab on ``server``, through openapi-python-client's client of the document it serves, with
    the API token ``token``."""
    document = httpx.get(f"{server.url}/openapi.json", timeout=60).content
    generated = generated_client(document, GENERATED_CLIENTS)
    with generated.client(server.url, token) as client:
        yield ClientLab(generated, client)


# -- the create bodies, a function per collection ------------------------------------------------


def workcell(lab: ClientLab) -> Any:
    return lab.models.WorkcellCreate(
        name=unique_name("bay"), latest_state=lab.json("WorkcellCreateLatestState", NESTED)
    )


def machine(lab: ClientLab) -> Any:
    return lab.models.MachineCreate(
        name=unique_name("STAR"),
        fqn="pylabrobot.liquid_handling.LiquidHandler",
        workcell_id=lab.create("workcell").accession_id,
        connection_info=lab.json("MachineCreateConnectionInfo", NESTED),
    )


def resource_definition(lab: ClientLab) -> Any:
    return lab.models.ResourceDefinitionCreate(
        name=unique_name("plate type"),
        fqn="pylabrobot.resources.corning_costar.Cor_96_wellplate_360ul_Fb",
        category=lab.models.ResourceCategory.PLATE,
        properties=lab.json("ResourceDefinitionCreateProperties", NESTED),
    )


def resource(lab: ClientLab) -> Any:
    return lab.models.ResourceCreate(
        name=unique_name("plate"),
        resource_definition_id=lab.create("resource_definition").accession_id,
        properties=lab.json("ResourceCreateProperties", NESTED),
    )


def deck_definition(lab: ClientLab) -> Any:
    models = lab.models
    return models.DeckDefinitionCreate(
        name=unique_name("deck type"),
        fqn="pylabrobot.resources.hamilton.STARLetDeck",
        positioning_config=lab.json("DeckDefinitionCreatePositioningConfig", NESTED),
        positions=[
            models.DeckPositionIn(
                name="rail-1",
                x_mm=100.0,
                allowed_resource_categories=[models.ResourceCategory.PLATE],
                properties=lab.json("DeckPositionInProperties", {"pitch": [22.5, None]}),
            ),
            models.DeckPositionIn(name="rail-2", x_mm=122.5),
        ],
    )


def deck(lab: ClientLab) -> Any:
    return lab.models.DeckCreate(
        name=unique_name("deck"),
        deck_definition_id=lab.create("deck_definition").accession_id,
        machine_id=lab.create("machine").accession_id,
        properties=lab.json("DeckCreateProperties", NESTED),
    )


def protocol_definition(lab: ClientLab) -> Any:
    name = unique_name("serial_dilution").replace("-", "_")
    return lab.models.ProtocolDefinitionCreate(
        name=name,
        fqn=f"lab_protocols.dilution.{name}",
        version="1.2.0",
        parameters=[lab.json("ProtocolDefinitionCreateParametersItem", entry) for entry in PARAMETERS],
    )


def protocol_run(lab: ClientLab) -> Any:
    return lab.models.ProtocolRunCreate(
        protocol_definition_id=lab.create("protocol_definition").accession_id,
        name=unique_name("run"),
        input_parameters=lab.json("ProtocolRunCreateInputParameters", RUN_INPUTS),
    )


def output(lab: ClientLab) -> Any:
    run = lab.create("protocol_run")
    lab.call("start_protocol_run", 200, id=run.accession_id)
    return lab.models.DataOutputCreate(
        protocol_run_id=run.accession_id,
        name=unique_name("absorbance"),
        data_type=lab.models.DataType.JSON,
        json_value=[0.73, None, NESTED],
        spatial_context=lab.json("DataOutputCreateSpatialContext", NESTED),
    )


BODIES: dict[str, Callable[[ClientLab], Any]] = {
    body.__name__: body
    for body in (
        workcell,
        machine,
        resource_definition,
        resource,
        deck_definition,
        deck,
        protocol_definition,
        protocol_run,
        output,
    )
}


@dataclass(frozen=True)
class ClientCollection:
    """A collection as the generated client names it: ``create_<noun>``, ``list_<plural>``, the models
    ``<model>Create``, ``<model>Update`` and ``<model>Read``."""

    noun: str
    plural: str
    model: str
    #: the JSON field the create fills (and the value it fills it with)
    created_json: tuple[str, Any]
    #: the JSON field an update may change, if the collection has one
    updated_json: str | None
    #: whether rows carry a version that updates send back
    versioned: bool

    def __str__(self) -> str:
        return self.noun


COLLECTIONS = (
    ClientCollection("workcell", "workcells", "Workcell", ("latest_state", NESTED), "latest_state", True),
    ClientCollection("machine", "machines", "Machine", ("connection_info", NESTED), "connection_info", True),
    ClientCollection(
        "resource_definition",
        "resource_definitions",
        "ResourceDefinition",
        ("properties", NESTED),
        "properties",
        False,
    ),
    ClientCollection("resource", "resources", "Resource", ("properties", NESTED), "properties", False),
    ClientCollection(
        "deck_definition",
        "deck_definitions",
        "DeckDefinition",
        ("positioning_config", NESTED),
        "positioning_config",
        True,
    ),
    ClientCollection("deck", "decks", "Deck", ("properties", NESTED), "properties", True),
    ClientCollection(
        "protocol_definition",
        "protocol_definitions",
        "ProtocolDefinition",
        ("parameters", PARAMETERS),
        None,
        False,
    ),
    ClientCollection(
        "protocol_run", "protocol_runs", "ProtocolRun", ("input_parameters", RUN_INPUTS), None, True
    ),
    ClientCollection(
        "output", "outputs", "DataOutput", ("json_value", [0.73, None, NESTED]), "spatial_context", False
    ),
)
