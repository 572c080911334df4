// The chat view's script, bundled by esbuild into out/webview/chat.js. It only draws what
// the extension sends and posts the user's actions back; all protocol work is in the host.
import { createMarkdownRenderer } from '../core/markdown';
import type { PlanEntry, ToolCallContent } from '../core/protocol';
import type { Entry, ToolCard } from '../core/transcript';
import type { FromWebview, SessionView, ToWebview } from '../core/webviewMessages';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const renderMarkdown = createMarkdownRenderer();
const OUTPUT_LIMIT = 4000;

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) {
    throw new Error(`chat view: #${id} is missing`);
  }
  return found;
}

const transcriptList = byId('transcript', HTMLElement);
const planPanel = byId('plan', HTMLDetailsElement);
const planList = byId('plan-list', HTMLOListElement);
const planSummary = byId('plan-summary', HTMLElement);
const modeSelect = byId('mode', HTMLSelectElement);
const input = byId('input', HTMLTextAreaElement);
const sendButton = byId('send', HTMLButtonElement);
const stopButton = byId('stop', HTMLButtonElement);
const figures = byId('figures', HTMLDivElement);
const suggestions = byId('suggestions', HTMLUListElement);
const emptyHint = byId('empty', HTMLDivElement);

let session: SessionView | undefined;
const rendered = new Map<string, HTMLElement>();

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

const STATUS_ICONS: Record<ToolCard['status'], string> = {
  pending: '○',
  in_progress: '◐',
  completed: '✓',
  failed: '✗',
};

function clip(text: string): string {
  return text.length > OUTPUT_LIMIT ? `${text.slice(0, OUTPUT_LIMIT)}\n… (${text.length - OUTPUT_LIMIT} more characters)` : text;
}

function commandOf(tool: ToolCard): string | undefined {
  const raw = tool.rawInput as { command?: unknown } | undefined;
  return tool.kind === 'execute' && typeof raw?.command === 'string' ? raw.command : undefined;
}

function renderToolContent(tool: ToolCard, item: ToolCallContent): HTMLElement | undefined {
  if (item.type === 'diff') {
    const row = element('div', 'diff-row');
    const added = item.oldText === null ? 'new file' : 'changed';
    row.append(element('span', 'diff-path', `${item.path} (${added})`));
    const button = element('button', 'link', 'Open diff');
    button.addEventListener('click', () => {
      vscode.postMessage({ type: 'showDiff', toolCallId: tool.toolCallId });
    });
    row.append(button);
    return row;
  }
  if (item.type === 'content' && item.content.type === 'text' && item.content.text !== '') {
    return element('pre', 'tool-output', clip(item.content.text));
  }
  return undefined;
}

function renderTool(tool: ToolCard): HTMLElement {
  const card = element('details', `tool status-${tool.status}${tool.awaitingPermission ? ' awaiting' : ''}`);
  const summary = element('summary');
  summary.append(element('span', 'tool-status', STATUS_ICONS[tool.status]));
  summary.append(element('span', 'tool-kind', tool.toolName ?? tool.kind));
  summary.append(element('span', 'tool-title', tool.title));
  if (tool.awaitingPermission) {
    summary.append(element('span', 'badge', 'waiting for your answer'));
  }
  card.append(summary);
  const body = element('div', 'tool-body');
  const command = commandOf(tool);
  if (command !== undefined) {
    body.append(element('pre', 'tool-command', `$ ${command}`));
  }
  tool.locations.forEach((location, index) => {
    const link = element('button', 'link', location.line !== undefined ? `${location.path}:${location.line}` : location.path);
    link.addEventListener('click', () => {
      vscode.postMessage({ type: 'openLocation', toolCallId: tool.toolCallId, index });
    });
    body.append(link);
  });
  for (const item of tool.content) {
    const node = renderToolContent(tool, item);
    if (node !== undefined) {
      body.append(node);
    }
  }
  card.append(body);
  // Failures and open questions are worth reading at once; the rest stays folded.
  card.open = tool.status === 'failed' || tool.awaitingPermission;
  card.dataset.status = tool.status;
  card.dataset.awaiting = String(tool.awaitingPermission);
  return card;
}

function needsAttentionNow(tool: ToolCard, before: HTMLElement): boolean {
  const justFailed = tool.status === 'failed' && before.dataset.status !== 'failed';
  const justAsking = tool.awaitingPermission && before.dataset.awaiting !== 'true';
  return justFailed || justAsking;
}

function renderEntry(entry: Entry): HTMLElement {
  switch (entry.kind) {
    case 'user':
      return element('div', 'entry user', entry.text);
    case 'agent': {
      const node = element('div', 'entry agent markdown');
      // markdown-it runs with html disabled, so the model's text cannot inject markup.
      node.innerHTML = renderMarkdown(entry.text);
      return node;
    }
    case 'thought': {
      const node = element('details', 'entry thought');
      node.append(element('summary', undefined, 'Thinking'), element('div', 'thought-text', entry.text));
      return node;
    }
    case 'notice':
      return element('div', `entry notice ${entry.level}`, entry.text);
    case 'tool': {
      const node = renderTool(entry.tool);
      node.classList.add('entry');
      return node;
    }
  }
}

function isNearBottom(): boolean {
  return window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
}

function upsert(entries: Entry[]): void {
  for (const entry of entries) {
    const fresh = renderEntry(entry);
    const existing = rendered.get(entry.id);
    if (existing !== undefined) {
      // Keep a card the user opened or closed the way they left it, unless it has just
      // become worth reading (it failed, or it waits for an answer).
      if (existing instanceof HTMLDetailsElement && fresh instanceof HTMLDetailsElement) {
        fresh.open = (entry.kind === 'tool' && needsAttentionNow(entry.tool, existing)) || existing.open;
      }
      existing.replaceWith(fresh);
    } else {
      transcriptList.append(fresh);
    }
    rendered.set(entry.id, fresh);
  }
}

function remove(ids: string[]): void {
  for (const id of ids) {
    rendered.get(id)?.remove();
    rendered.delete(id);
  }
}

function renderPlan(plan: PlanEntry[]): void {
  planPanel.hidden = plan.length === 0;
  planList.replaceChildren(
    ...plan.map((item) => {
      const active = item.status === 'in_progress' ? item._meta?.claude?.activeForm ?? item.content : item.content;
      const marker = item.status === 'completed' ? '☑' : item.status === 'in_progress' ? '▶' : '☐';
      return element('li', `plan-${item.status}`, `${marker} ${active}`);
    }),
  );
  const done = plan.filter((item) => item.status === 'completed').length;
  planSummary.textContent = `Plan (${done}/${plan.length} done)`;
}

function renderSession(view: SessionView): void {
  session = view;
  modeSelect.replaceChildren(
    ...view.modes.map((mode) => {
      const option = element('option', undefined, mode.name);
      option.value = mode.id;
      option.title = mode.description ?? '';
      option.selected = mode.id === view.modeId;
      return option;
    }),
  );
  modeSelect.disabled = view.modes.length === 0;
  sendButton.hidden = view.busy;
  stopButton.hidden = !view.busy;
  const parts: string[] = [];
  if (view.model !== undefined) {
    parts.push(view.model);
  }
  if (view.contextTokens !== undefined) {
    parts.push(`context ${view.contextTokens.toLocaleString()} tokens`);
  }
  if (view.costUsd !== undefined) {
    parts.push(`$${view.costUsd.toFixed(4)}`);
  }
  figures.textContent = parts.join(' · ');
  updateSuggestions();
}

function updateEmptyHint(): void {
  emptyHint.hidden = rendered.size > 0;
}

function updateSuggestions(): void {
  const text = input.value;
  const match = /^\/(\S*)$/.exec(text);
  const commands = session?.commands ?? [];
  const matching = match === null ? [] : commands.filter((command) => command.name.startsWith(match[1]));
  suggestions.hidden = matching.length === 0;
  suggestions.replaceChildren(
    ...matching.map((command) => {
      const item = element('li');
      item.append(element('span', 'command-name', `/${command.name}`), element('span', 'command-description', ` ${command.description}`));
      if (command.input?.hint !== undefined) {
        item.title = command.input.hint;
      }
      item.addEventListener('click', () => {
        input.value = `/${command.name} `;
        input.focus();
        updateSuggestions();
      });
      return item;
    }),
  );
}

function send(): void {
  const text = input.value.trim();
  if (text === '' || session?.busy === true) {
    return;
  }
  vscode.postMessage({ type: 'send', text });
  input.value = '';
  updateSuggestions();
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  const follow = isNearBottom();
  switch (message.type) {
    case 'reset':
      rendered.clear();
      transcriptList.replaceChildren();
      upsert(message.entries);
      renderPlan(message.plan);
      renderSession(message.session);
      break;
    case 'entries':
      remove(message.removed);
      upsert(message.upserted);
      break;
    case 'plan':
      renderPlan(message.plan);
      break;
    case 'session':
      renderSession(message.session);
      break;
  }
  updateEmptyHint();
  if (follow) {
    window.scrollTo(0, document.body.scrollHeight);
  }
});

input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  } else if (event.key === 'Escape' && session?.busy === true) {
    vscode.postMessage({ type: 'cancel' });
  }
});
input.addEventListener('input', updateSuggestions);
sendButton.addEventListener('click', send);
stopButton.addEventListener('click', () => {
  vscode.postMessage({ type: 'cancel' });
});
byId('new-session', HTMLButtonElement).addEventListener('click', () => {
  vscode.postMessage({ type: 'newSession' });
});
byId('sessions', HTMLButtonElement).addEventListener('click', () => {
  vscode.postMessage({ type: 'pickSession' });
});
modeSelect.addEventListener('change', () => {
  vscode.postMessage({ type: 'setMode', modeId: modeSelect.value });
});

vscode.postMessage({ type: 'ready' });
