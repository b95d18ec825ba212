// Lint Cypher statements with Neo4j's own language support (the linter behind Neo4j's editors).
// stdin: JSON [{name, query, params: [names]}]; stdout: JSON [{name, diagnostics: [{severity, message}]}].
// Procedures and functions are checked against the Neo4j 5 registry bundled with the package, so a
// FalkorDB-only call (vecf32, algo.*) is an error here.
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const input = JSON.parse(require_stdin());
const registry = testData.mockSchema;
const out = input.map(({ name, query, params }) => {
  const schema = {
    procedures: registry.procedures,
    functions: registry.functions,
    parameters: Object.fromEntries(params.map((p) => [p, null])),
  };
  const { diagnostics } = lintCypherQuery(query, schema);
  return { name, diagnostics: diagnostics.map((d) => ({ severity: d.severity, message: d.message })) };
});
process.stdout.write(JSON.stringify(out));

function require_stdin() {
  const fs = globalThis.process.getBuiltinModule('fs');
  return fs.readFileSync(0, 'utf8');
}
