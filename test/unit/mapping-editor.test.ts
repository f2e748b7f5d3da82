// The editor file of fg-field-mapper: its script parses and registers the type with the settings the runtime reads,
// and it has the template and help Node-RED needs (the loader finds types by their template block).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const html = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'nodes', 'fg-field-mapper', 'fg-field-mapper.html'), 'utf8');

function registeredDefinition(): any {
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
  let registered: any;
  const RED = { nodes: { registerType: (type: string, definition: any) => { registered = { type, definition }; } } };
  new Function('RED', '$', script)(RED, undefined);
  return registered;
}

describe('mapping editor (fg-field-mapper.html)', () => {
  it('registers fg-field-mapper with two outputs and every property the runtime reads', () => {
    const { type, definition } = registeredDefinition();
    assert.equal(type, 'fg-field-mapper');
    assert.equal(definition.category, 'FlowGuard');
    assert.equal(definition.outputs, 2);
    assert.equal(definition.icon, 'fg-field-mapper.svg');
    for (const key of ['property', 'outputProperty', 'direction', 'rules', 'inputSchema', 'outputSchema', 'diff', 'currentProperty', 'dropUnchanged', 'errorRouting', 'specName']) {
      assert.ok(key in definition.defaults, key);
    }
    assert.equal(definition.label.call({ specName: 'charges' }), 'charges');
    assert.equal(definition.label.call({}), 'field mapper');
  });
  it('has the edit template, HTML help with the standard sections, and calls the flowguard admin routes', () => {
    assert.match(html, /<script type="text\/html" data-template-name="fg-field-mapper">/);
    const help = /<script type="text\/html" data-help-name="fg-field-mapper">([\s\S]*?)<\/script>/.exec(html)![1];
    for (const section of ['Inputs', 'Outputs', 'Details', 'References']) assert.ok(help.includes(`<h3>${section}</h3>`), section);
    assert.match(html, /'flowguard\/mapper\/'/);
    assert.doesNotMatch(html, /url: '\/flowguard/, 'relative URLs so the editor sends its token');
  });
  it('ships its icon', () => {
    const icon = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'nodes', 'fg-field-mapper', 'icons', 'fg-field-mapper.svg'), 'utf8');
    assert.match(icon, /viewBox="0 0 40 60"/);
  });
});
