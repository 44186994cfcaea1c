import * as vscode from 'vscode';
import { registerGraphCommand } from './graph';
import { registerPreviewCommand } from './preview';
import { JourneyLanguageServer } from './server';

let server: JourneyLanguageServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  server = new JourneyLanguageServer();
  const running = server;
  context.subscriptions.push(
    server,
    registerGraphCommand(context.extensionUri),
    registerPreviewCommand(() => running.languageClient),
  );
  await server.start();
}

export async function deactivate(): Promise<void> {
  const s = server;
  server = undefined;
  await s?.stop();
}
