import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffOf, outcomeForButton, permissionQuestion } from '../core/permission';
import { bashPermission, CALC, editDiff, editPermission, planPermission } from './fixtures';

describe('permission questions', () => {
  it('offers the server options as buttons, in order, and opens the diff of an edit', () => {
    const question = permissionQuestion(editPermission);
    assert.equal(question.message, `Claude wants to change a file: Edit ${CALC}`);
    assert.deepEqual(question.buttons, ['Allow', 'Always allow Edit(//home/me/demo/**) in this session', 'Deny', 'Always deny this file in this session']);
    assert.deepEqual(question.diff, editDiff);
    assert.match(question.detail, /open in the diff editor/);
  });

  it('maps each button back to its option id', () => {
    for (const option of editPermission.options) {
      assert.deepEqual(outcomeForButton(editPermission, option.name), { outcome: { outcome: 'selected', optionId: option.optionId } });
    }
  });

  it('cancels (which the server takes as a denial) when the dialog is dismissed', () => {
    assert.deepEqual(outcomeForButton(editPermission, undefined), { outcome: { outcome: 'cancelled' } });
    assert.deepEqual(outcomeForButton(editPermission, 'Not a button'), { outcome: { outcome: 'cancelled' } });
  });

  it('shows the whole command of a shell call', () => {
    const question = permissionQuestion(bashPermission);
    assert.equal(question.message, 'Claude wants to run: Run the tests');
    assert.equal(question.detail, 'npm test');
    assert.equal(question.diff, undefined);
    assert.deepEqual(outcomeForButton(bashPermission, 'Always allow Bash(npm test:*) in this project'), { outcome: { outcome: 'selected', optionId: 'allow_always' } });
  });

  it('puts a plan to approve in the detail with its own three answers', () => {
    const question = permissionQuestion(planPermission);
    assert.equal(question.message, 'Claude has a plan and wants to start working on it');
    assert.equal(question.detail, '1. Fix add\n2. Add a test');
    assert.deepEqual(question.buttons, ['Yes, and auto-accept edits', 'Yes, and approve each edit', 'No, keep planning']);
    assert.deepEqual(outcomeForButton(planPermission, 'No, keep planning'), { outcome: { outcome: 'selected', optionId: 'reject_once' } });
  });

  it('says a Write of a new file creates it', () => {
    const write = { ...editPermission, toolCall: { ...editPermission.toolCall, title: 'Write /home/me/demo/new.py', content: [{ type: 'diff' as const, path: '/home/me/demo/new.py', oldText: null, newText: 'x = 1\n' }] } };
    assert.match(permissionQuestion(write).detail, /^New file \/home\/me\/demo\/new.py/);
    assert.equal(diffOf(write)?.oldText, null);
  });

  it('keeps repeated option names apart', () => {
    const twice = { ...bashPermission, options: [{ optionId: 'allow_once', name: 'Allow', kind: 'allow_once' as const }, { optionId: 'allow_again', name: 'Allow', kind: 'allow_once' as const }] };
    const { buttons } = permissionQuestion(twice);
    assert.deepEqual(buttons, ['Allow', 'Allow (allow_again)']);
    assert.deepEqual(outcomeForButton(twice, buttons[1]), { outcome: { outcome: 'selected', optionId: 'allow_again' } });
  });
});
