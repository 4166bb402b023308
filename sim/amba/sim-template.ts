// Fills the `${name}` holes of a captured text. Inside a JSON string a value is JSON-escaped
// (a Windows path keeps its doubled backslashes); outside one it goes in as it is (a number, or
// a list rendered as JSON beforehand).

export type TemplateVars = Record<string, string | number | boolean | undefined>;

export function renderTemplate(template: string, vars: TemplateVars): string {
  let out = '';
  let inString = false;
  let escape = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '$' && template[i + 1] === '{') {
      const end = template.indexOf('}', i + 2);
      if (end > 0) {
        const name = template.slice(i + 2, end);
        const value = vars[name];
        if (value === undefined) throw new Error(`template needs \${${name}}: ${template}`);
        out += inString ? JSON.stringify(String(value)).slice(1, -1) : String(value);
        i = end;
        continue;
      }
    }
    out += c;
    if (inString) {
      if (escape) escape = false;
      else if (c === '\\') escape = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    }
  }
  return out;
}
