import { execFile } from 'child_process';
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

/** Registers "Journey: Show Graph". */
export function registerGraphCommand(): vscode.Disposable {
  return vscode.commands.registerCommand('journey.showGraph', async (uri?: unknown) => {
    try {
      await showGraph(uri instanceof vscode.Uri ? uri : undefined);
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

async function showGraph(uri: vscode.Uri | undefined): Promise<void> {
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
  const args = ['-m', 'jengine', 'graph', subject, '--format', 'svg'];
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Journey: rendering ${subject}` },
    () => run(python.executable, args, cwd),
  );
  const start = result.stdout.indexOf('<svg');
  if (start < 0) {
    throw new GraphError(`"${python.executable} ${args.join(' ')}" did not print an SVG document`);
  }
  showPanel(subject, folder, result.stdout.slice(start));
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

function showPanel(subject: string, folder: vscode.WorkspaceFolder | undefined, svg: string): void {
  const key = `${folder?.uri.toString() ?? ''}|${subject}`;
  let panel = panels.get(key);
  if (panel) {
    panel.reveal(undefined, true);
  } else {
    panel = vscode.window.createWebviewPanel(
      'journey.graph',
      `Journey: ${subject}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: false, enableCommandUris: false, localResourceRoots: [] },
    );
    panels.set(key, panel);
    panel.onDidDispose(() => panels.delete(key));
  }
  panel.webview.html = renderHtml(subject, svg);
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
