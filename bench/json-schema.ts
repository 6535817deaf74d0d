// JSON Schema (draft 2020-12 subset): the type, and a small validator for exactly the keywords used
// here: type, properties, required, additionalProperties, items, enum, const, minimum, maximum,
// $ref into $defs, allOf, if/then. The results' schema (report/schema.ts) and the option kinds use it.

export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly (string | number | boolean)[];
  const?: string | number | boolean;
  minimum?: number;
  maximum?: number;
  /** Every one of these applies too. */
  allOf?: JsonSchema[];
  /** When the value conforms to `if`, it must conform to `then` ("a throughput tier has messages"). */
  if?: JsonSchema;
  then?: JsonSchema;
}

type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** Every violation as 'path: problem'; empty when `value` conforms. */
export function validateAgainstSchema(value: unknown, schema: JsonSchema, root: JsonSchema = schema, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    const target = root.$defs?.[name];
    if (!target) return [`${path}: unresolvable $ref ${schema.$ref}`];
    return validateAgainstSchema(value, target, root, path);
  }
  const errors: string[] = [];
  for (const part of schema.allOf ?? []) errors.push(...validateAgainstSchema(value, part, root, path));
  if (schema.if !== undefined && schema.then !== undefined && validateAgainstSchema(value, schema.if, root, path).length === 0) {
    errors.push(...validateAgainstSchema(value, schema.then, root, path));
  }
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${describeType(value)}`);
      return errors;
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: ${value} < minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: ${value} > maximum ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => errors.push(...validateAgainstSchema(item, schema.items!, root, `${path}[${i}]`)));
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (!(key in value)) errors.push(`${path}: missing required "${key}"`);
    }
    for (const [key, child] of Object.entries(value)) {
      const known = schema.properties?.[key];
      if (known) errors.push(...validateAgainstSchema(child, known, root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property "${key}"`);
      else if (typeof schema.additionalProperties === 'object') {
        errors.push(...validateAgainstSchema(child, schema.additionalProperties, root, `${path}.${key}`));
      }
    }
  }
  return errors;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}
