import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';
import { INSTALL_HINT, resolvePython } from './python';

const TIMEOUT_MS = 60_000;
const MAX_BUFFER = 64 * 1024 * 1024;
const panels = new Map<string, vscode.WebviewPanel>();

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

class GraphError extends Error {}

type Renderer = 'bundled' | 'graphviz';

/** Registers "Journey: Show Graph" (``extensionUri`` locates the bundled Graphviz build). */
export function registerGraphCommand(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.commands.registerCommand('journey.showGraph', async (uri?: unknown) => {
    try {
      await showGraph(extensionUri, uri instanceof vscode.Uri ? uri : undefined);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`Journey: Show Graph failed: ${message}`);
    }
  });
}

/** Journey declarations of a .journey text, with the offset of each (comments and strings skipped). */
export function findJourneys(text: string): { name: string; offset: number }[] {
  const result: { name: string; offset: number }[] = [];
  // Blank out comments and string literals so that `journey x` inside them is not found.
  const blanked = text.replace(
    /\/\/[^\r\n]*|\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"\\]|\\[\s\S])*"?|'(?:[^'\\]|\\[\s\S])*'?/g,
    (m) => m.replace(/[^\r\n]/g, ' '),
  );
  const re = /(?<![\w.@#$])journey\s+([A-Za-z_][A-Za-z0-9_]*)/g;
  for (let m = re.exec(blanked); m !== null; m = re.exec(blanked)) {
    result.push({ name: m[1] ?? '', offset: m.index });
  }
  return result;
}

async function pickJourney(document: vscode.TextDocument): Promise<string | undefined> {
  const journeys = findJourneys(document.getText());
  if (journeys.length === 0) {
    return undefined; // fall back to the file
  }
  if (journeys.length === 1) {
    return journeys[0]?.name;
  }
  // Prefer the journey around the cursor, else ask.
  const editor = vscode.window.activeTextEditor;
  if (editor && editor.document.uri.toString() === document.uri.toString()) {
    const cursor = document.offsetAt(editor.selection.active);
    const before = journeys.filter((j) => j.offset <= cursor);
    const around = before[before.length - 1];
    if (around) {
      return around.name;
    }
  }
  const picked = await vscode.window.showQuickPick(
    journeys.map((j) => j.name),
    { placeHolder: 'Journey to show' },
  );
  if (!picked) {
    throw new GraphError('no journey selected');
  }
  return picked;
}

async function showGraph(extensionUri: vscode.Uri, uri: vscode.Uri | undefined): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    throw new GraphError('open a .journey file first');
  }
  if (target.scheme !== 'file') {
    throw new GraphError('save the journey to a file in a workspace folder first');
  }
  const document = await vscode.workspace.openTextDocument(target);
  if (document.isDirty) {
    await document.save();
  }
  const folder = vscode.workspace.getWorkspaceFolder(target);
  const cwd = folder?.uri.fsPath ?? path.dirname(target.fsPath);
  const journey = await pickJourney(document);
  const subject = journey ?? path.relative(cwd, target.fsPath);

  const python = await resolvePython(target);
  const renderer = vscode.workspace
    .getConfiguration('journey', target)
    .get<Renderer>('graph.renderer', 'bundled');
  // --workspace names the file: jengine graph loads the workspace the file belongs to.
  const format = renderer === 'graphviz' ? 'svg' : 'dot';
  const args = ['-m', 'jengine', 'graph', subject, '--workspace', target.fsPath, '--format', format];
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Journey: rendering ${subject}` },
    () => run(python.executable, args, cwd),
  );
  if (renderer === 'bundled') {
    if (!/^\s*(strict\s+)?digraph\b/.test(result.stdout)) {
      throw new GraphError(`"${python.executable} ${args.join(' ')}" did not print DOT text`);
    }
    showPanel(subject, folder, (panel) => renderDotHtml(panel.webview, extensionUri, subject, result.stdout), true, extensionUri);
    return;
  }
  const start = result.stdout.indexOf('<svg');
  if (start < 0) {
    throw new GraphError(`"${python.executable} ${args.join(' ')}" did not print an SVG document`);
  }
  const svg = result.stdout.slice(start);
  showPanel(subject, folder, () => renderHtml(subject, svg), false, extensionUri);
}

function run(executable: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    execFile(
      executable,
      args,
      { cwd, timeout: TIMEOUT_MS, maxBuffer: MAX_BUFFER, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(new GraphError(`Python interpreter "${executable}" not found; set journey.server.pythonPath`));
          return;
        }
        const detail = lastLines(stderr || stdout || error.message, 12);
        if (/No module named '?jengine/.test(detail)) {
          reject(new GraphError(`jengine is not installed in "${executable}" (${INSTALL_HINT})`));
          return;
        }
        if (error.killed) {
          reject(new GraphError(`timed out after ${TIMEOUT_MS / 1000}s`));
          return;
        }
        reject(new GraphError(detail));
      },
    );
  });
}

function lastLines(text: string, n: number): string {
  return text.trim().split(/\r?\n/).slice(-n).join('\n');
}

function showPanel(
  subject: string,
  folder: vscode.WorkspaceFolder | undefined,
  html: (panel: vscode.WebviewPanel) => string,
  scripts: boolean,
  extensionUri: vscode.Uri,
): void {
  const key = `${folder?.uri.toString() ?? ''}|${subject}|${scripts ? 'bundled' : 'graphviz'}`;
  let panel = panels.get(key);
  if (panel) {
    panel.reveal(undefined, true);
  } else {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    panel = vscode.window.createWebviewPanel(
      'journey.graph',
      `Journey: ${subject}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: scripts, enableCommandUris: false, localResourceRoots: scripts ? [media] : [] },
    );
    panels.set(key, panel);
    panel.onDidDispose(() => panels.delete(key));
  }
  panel.webview.html = html(panel);
}

/**
 * The DOT text drawn in the panel by the bundled Graphviz WebAssembly build (media/viz-global.js).
 * The CSP allows only that script and the one inline script carrying the DOT text (by nonce),
 * WebAssembly compilation, inline styles and no network.
 */
export function renderDotHtml(webview: vscode.Webview, extensionUri: vscode.Uri, subject: string, dot: string): string {
  const nonce = randomBytes(16).toString('base64');
  const viz = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'viz-global.js'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
  ].join('; ');
  const dotJson = JSON.stringify(dot).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Journey: ${escapeHtml(subject)}</title>
<style>
  body { margin: 0; padding: 12px; background: var(--vscode-editor-background); }
  .graph { display: inline-block; background: #ffffff; border-radius: 4px; padding: 8px; }
  .error { color: var(--vscode-errorForeground); font-family: var(--vscode-editor-font-family); white-space: pre-wrap; }
</style>
</head>
<body>
<div class="graph" id="graph" aria-label="Graph of journey ${escapeHtml(subject)}"></div>
<script nonce="${nonce}" src="${viz.toString()}"></script>
<script nonce="${nonce}">
  const dot = ${dotJson};
  const target = document.getElementById('graph');
  Viz.instance()
    .then((viz) => { target.appendChild(viz.renderSVGElement(dot)); document.body.dataset.graph = 'ready'; })
    .catch((err) => { target.className = 'error'; target.textContent = 'Graphviz (bundled) failed: ' + err; });
</script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The SVG is shown through an <img> data URI: scripts in it never run, and the CSP forbids them anyway. */
function renderHtml(subject: string, svg: string): string {
  const data = Buffer.from(svg, 'utf8').toString('base64');
  const csp = ["default-src 'none'", 'img-src data:', "style-src 'unsafe-inline'"].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Journey: ${escapeHtml(subject)}</title>
<style>
  body { margin: 0; padding: 12px; background: var(--vscode-editor-background); }
  .graph { display: inline-block; background: #ffffff; border-radius: 4px; padding: 8px; }
  img { display: block; max-width: none; }
</style>
</head>
<body>
<div class="graph"><img alt="Graph of journey ${escapeHtml(subject)}" src="data:image/svg+xml;base64,${data}"></div>
</body>
</html>`;
}
