// Turns a claude/session/requestPermission request into a modal question and the
// chosen button back into the outcome the server expects.
import type { DiffContent, PermissionOption, PermissionOutcome, RequestPermissionParams } from './protocol';

export interface PermissionQuestion {
  message: string;
  detail: string;
  /** Button labels, in the server's order; each maps back to one option. */
  buttons: string[];
  diff: DiffContent | undefined;
}

/** The first diff the call carries (Edit and Write have one), to open in the diff editor. */
export function diffOf(params: RequestPermissionParams): DiffContent | undefined {
  return params.toolCall.content?.find((item): item is DiffContent => item.type === 'diff');
}

function textItems(params: RequestPermissionParams): string[] {
  const texts: string[] = [];
  for (const item of params.toolCall.content ?? []) {
    if (item.type === 'content' && item.content.type === 'text') {
      texts.push(item.content.text);
    }
  }
  return texts;
}

function describe(params: RequestPermissionParams): string {
  const title = params.toolCall.title ?? params.toolCall._meta?.claude?.toolName ?? 'a tool';
  switch (params.toolCall.kind) {
    case 'switch_mode':
      return 'Claude has a plan and wants to start working on it';
    case 'execute':
      return `Claude wants to run: ${title}`;
    case 'edit':
      return `Claude wants to change a file: ${title}`;
    default:
      return `Claude wants to use ${title}`;
  }
}

/** Labels must be unique for the answer to map back; the server's names already are, but a
 * repeated one gets its option id appended rather than silently shadowing another. */
function buttonLabels(options: PermissionOption[]): string[] {
  const seen = new Set<string>();
  return options.map((option) => {
    const label = seen.has(option.name) ? `${option.name} (${option.optionId})` : option.name;
    seen.add(label);
    return label;
  });
}

export function permissionQuestion(params: RequestPermissionParams): PermissionQuestion {
  const diff = diffOf(params);
  const details = textItems(params);
  if (diff !== undefined) {
    details.push(diff.oldText === null ? `New file ${diff.path}; its content is open in the diff editor.` : `The change to ${diff.path} is open in the diff editor.`);
  }
  return {
    message: describe(params),
    detail: details.join('\n\n'),
    buttons: buttonLabels(params.options),
    diff,
  };
}

/** The answer for the clicked label; no label (Esc, the dialog's Cancel) cancels, which
 * the server treats as a denial. */
export function outcomeForButton(params: RequestPermissionParams, label: string | undefined): PermissionOutcome {
  const labels = buttonLabels(params.options);
  const index = label === undefined ? -1 : labels.indexOf(label);
  if (index < 0) {
    return { outcome: { outcome: 'cancelled' } };
  }
  return { outcome: { outcome: 'selected', optionId: params.options[index].optionId } };
}
