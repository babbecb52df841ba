import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkReplies,
  MAX_REASON,
  REPLIES_CLOSED,
  REPLIES_NOT_YET,
  summariseReplies,
  whyRepliesClosed,
} from './section-replies.ts';

const typed = (sectionKey: string, choice: string, reason = '') => ({
  sectionKey,
  sectionTitle: `Section ${sectionKey}`,
  choice,
  reason,
});

describe('whyRepliesClosed', () => {
  test('open once submitted, until the moderation is submitted or decided', () => {
    assert.equal(whyRepliesClosed({ auditStatus: 'in_progress', moderationStatus: null }), REPLIES_NOT_YET);
    assert.equal(whyRepliesClosed({ auditStatus: 'submitted', moderationStatus: null }), null);
    assert.equal(whyRepliesClosed({ auditStatus: 'submitted', moderationStatus: 'unallocated' }), null);
    assert.equal(whyRepliesClosed({ auditStatus: 'submitted', moderationStatus: 'allocated' }), null);
    assert.equal(
      whyRepliesClosed({ auditStatus: 'submitted', moderationStatus: 'submitted' }),
      REPLIES_CLOSED,
    );
    assert.equal(whyRepliesClosed({ auditStatus: 'submitted', moderationStatus: 'decided' }), REPLIES_CLOSED);
  });
});

describe('checkReplies', () => {
  test('agreements, disagreements with a reason, and sections left for later', () => {
    const r = checkReplies([
      typed('a', 'agree'),
      typed('b', 'disagree', '  Not fair: I visited weekly. '),
      typed('c', ''),
    ]);
    assert.deepEqual(r, {
      ok: true,
      replies: [
        { sectionKey: 'a', agrees: true, reason: null },
        { sectionKey: 'b', agrees: false, reason: 'Not fair: I visited weekly.' },
      ],
    });
  });

  test('a disagreement needs a reason, no longer than the limit', () => {
    const r = checkReplies([typed('a', 'agree'), typed('b', 'disagree', '   ')]);
    assert.deepEqual(r, {
      ok: false,
      errors: [{ field: 'reason-b', message: 'Say why you disagree with the findings on Section b' }],
    });
    const long = checkReplies([typed('b', 'disagree', 'x'.repeat(MAX_REASON + 1))]);
    assert.equal(long.ok, false);
    assert.match(!long.ok ? long.errors[0].message : '', /2,000 characters or fewer/);
    assert.equal(checkReplies([typed('b', 'disagree', 'x'.repeat(MAX_REASON))]).ok, true);
  });

  test('nothing chosen, an unknown choice, or a reason with no choice is refused', () => {
    const none = checkReplies([typed('a', ''), typed('b', '')]);
    assert.deepEqual(!none.ok && none.errors.map((e) => e.field), ['reply-a']);
    const odd = checkReplies([typed('a', 'maybe')]);
    assert.deepEqual(!odd.ok && odd.errors.map((e) => e.field), ['reply-a']);
    const reasonOnly = checkReplies([typed('a', 'agree'), typed('b', '', 'a reason')]);
    assert.deepEqual(!reasonOnly.ok && reasonOnly.errors.map((e) => e.field), ['reply-b']);
  });
});

describe('summariseReplies', () => {
  test('counts agreements, disagreements and disputed sections', () => {
    assert.equal(summariseReplies([]).text, 'No replies yet');
    const s = summariseReplies([
      { sectionKey: 'a', repliedAs: 'practitioner', agrees: true },
      { sectionKey: 'b', repliedAs: 'practitioner', agrees: false },
      { sectionKey: 'b', repliedAs: 'manager', agrees: false },
    ]);
    assert.equal(s.disputed, true);
    assert.equal(s.disputedSections, 1);
    assert.equal(s.text, '3 replies: 1 agreement, 2 disagreements (1 section disputed)');
    assert.equal(summariseReplies([{ sectionKey: 'a', repliedAs: 'manager', agrees: true }]).disputed, false);
  });
});
