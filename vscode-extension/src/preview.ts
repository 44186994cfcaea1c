import * as path from 'path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

/** Template part files the language server checks (docs/channels.md, "Editor"). */
export const TEMPLATE_PATTERN = '**/templates/**/*.{subject,html,txt,title,json}';
const PREVIEW_REQUEST = 'jengine/previewTemplate';

interface PreviewResult {
  readonly text: string | null;
  readonly errors: string[];
}

/** Registers "Journey: Preview Template": renders the active template part for a fixture
 * profile (a profile JSON file, or a profiles JSONL file and an id) through the server's
 * ``jengine/previewTemplate`` request, with the editor's unsaved text. */
export function registerPreviewCommand(client: () => LanguageClient | undefined): vscode.Disposable {
  return vscode.commands.registerCommand('journey.previewTemplate', async () => {
    try {
      await previewTemplate(client());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`Journey: Preview Template failed: ${message}`);
    }
  });
}

async function previewTemplate(client: LanguageClient | undefined): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  if (!document || !/[\\/]templates[\\/]/.test(document.uri.fsPath)) {
    throw new Error('open a template part (templates/NAME.subject, .html, .txt, .title, .json)');
  }
  if (!client) {
    throw new Error('the language server is not running');
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Use this profile',
    filters: { Profiles: ['json', 'jsonl'] },
  });
  const file = picked?.[0];
  if (!file) {
    return;
  }
  let profileId: string | undefined;
  if (file.fsPath.endsWith('.jsonl')) {
    profileId = await vscode.window.showInputBox({ prompt: 'Profile id in ' + path.basename(file.fsPath) });
    if (!profileId) {
      return;
    }
  }
  const result = await client.sendRequest<PreviewResult>(PREVIEW_REQUEST, {
    uri: document.uri.toString(),
    profile: file.fsPath,
    profileId,
  });
  if (result.errors.length > 0 || result.text === null) {
    void vscode.window.showErrorMessage(`Template: ${result.errors.join('; ')}`);
    return;
  }
  await show(document, result.text);
}

async function show(template: vscode.TextDocument, text: string): Promise<void> {
  const title = `Preview ${path.basename(template.uri.fsPath)}`;
  if (template.uri.fsPath.endsWith('.html')) {
    // scripts off and nothing loaded from elsewhere: the rendered email as it reads
    const panel = vscode.window.createWebviewPanel('journey.templatePreview', title,
      vscode.ViewColumn.Beside, { enableScripts: false });
    const csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; " +
      "img-src data:; style-src 'unsafe-inline'\">";
    panel.webview.html = csp + text;
    return;
  }
  const language = template.uri.fsPath.endsWith('.json') ? 'json' : 'plaintext';
  const doc = await vscode.workspace.openTextDocument({ content: text, language });
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside);
}
