// A create body of every collection, typed by the generated schema.d.ts and checked by tsc --strict
// (tests/clients/test_typescript_types_live.py): what a TypeScript client of Praxis writes.
import type { components } from "./schema";

type Schemas = components["schemas"];
type Id = string;

// a JSON field holds arrays, nested objects and nulls
const state = { plates: [1, 2.5, { barcode: null, wells: [["A1", true], []] }], door: { open: null } };

export const bodies = (id: Id) => {
  const workcell: Schemas["WorkcellCreate"] = { name: "bay 1", latest_state: state };
  const machine: Schemas["MachineCreate"] = {
    name: "STAR",
    fqn: "pylabrobot.liquid_handling.LiquidHandler",
    workcell_id: id,
    connection_info: { port: "/dev/ttyUSB0", retries: [1, 2, null] },
  };
  const plateType: Schemas["ResourceDefinitionCreate"] = {
    name: "Corning 96 flat",
    fqn: "pylabrobot.resources.corning_costar.Cor_96_wellplate_360ul_Fb",
    category: "plate",
    properties: state,
  };
  const plate: Schemas["ResourceCreate"] = {
    name: "plate 1",
    resource_definition_id: id,
    deck_id: id,
    position_name: "rail-1",
    properties: { lot: null },
  };
  const deckType: Schemas["DeckDefinitionCreate"] = {
    name: "STARlet deck",
    fqn: "pylabrobot.resources.hamilton.STARLetDeck",
    positions: [
      { name: "rail-1", x_mm: 100, allowed_resource_categories: ["plate"], properties: { pitch: [22.5, null] } },
      { name: "rail-2", x_mm: 122.5 },
    ],
  };
  const deck: Schemas["DeckCreate"] = { name: "deck 1", deck_definition_id: id, machine_id: id, properties: state };
  const protocol: Schemas["ProtocolDefinitionCreate"] = {
    name: "serial_dilution",
    fqn: "lab_protocols.dilution.serial_dilution",
    parameters: [{ name: "volume_ul", type_hint: "float", bounds: [1, { max: 200 }] }],
  };
  const run: Schemas["ProtocolRunCreate"] = { protocol_definition_id: id, input_parameters: { volume_ul: 50 } };
  const call: Schemas["FunctionCallCreate"] = { function_name: "aspirate", arguments: { volumes: [100, null] } };
  const output: Schemas["DataOutputCreate"] = {
    protocol_run_id: id,
    name: "plate layout",
    data_type: "json",
    json_value: [null, state],
  };
  const wells: Schemas["WellOutputsCreate"] = {
    protocol_run_id: id,
    name: "absorbance_600nm",
    values: Array.from({ length: 96 }, (_, well) => well / 100),
  };
  return { workcell, machine, plateType, plate, deckType, deck, protocol, run, call, output, wells };
};
