/**
 * The comment thread <townhall-comments> shows, as plain immutable data, and how pages,
 * the viewer's own writes and live events (commentEvents) merge into it, each comment once.
 *
 *   { comments, tail, complete }
 *     comments  top-level comments in thread order (oldest first), each with its replies
 *     tail      top-level comments that arrived live (or were posted here) while older pages
 *               were still unread: shown after `comments`, moved in place as pages come
 *     complete  every page has been read, so a new comment simply goes last
 *
 *   emptyThread()
 *   withPage(thread, nodes, hasNextPage)   a page read; what the tail already held is not repeated
 *   withComment(thread, comment)           added or edited (by id): replaces in place, keeping
 *                                          the replies it had, else appends (a reply under its parent)
 *   withDeleted(thread, id)                the comment keeps its place, its text goes
 *   findComment(thread, id)
 */

export function emptyThread() {
  return { comments: [], tail: [], complete: false };
}

const ids = (list) => new Set(list.map((c) => c.id));

export function withPage(thread, nodes, hasNextPage) {
  const seen = ids(thread.comments);
  const fresh = nodes.filter((c) => !seen.has(c.id));
  const pageIds = ids(fresh);
  let comments = [...thread.comments, ...fresh];
  let tail = thread.tail.filter((c) => !pageIds.has(c.id));
  if (!hasNextPage) {
    comments = [...comments, ...tail];
    tail = [];
  }
  return { comments, tail, complete: !hasNextPage };
}

function merged(old, comment) {
  // Events and write answers carry no replies (or only their ids): keep the ones shown.
  const replies = Array.isArray(comment.replies) && comment.replies.every((r) => 'state' in r)
    ? comment.replies
    : old?.replies ?? [];
  return { ...old, ...comment, replies };
}

function replaceIn(list, comment) {
  const at = list.findIndex((c) => c.id === comment.id);
  if (at < 0) return null;
  const copy = list.slice();
  copy[at] = merged(list[at], comment);
  return copy;
}

export function withComment(thread, comment) {
  if (!comment?.id) return thread;
  if (comment.replyTo) {
    const place = (list) => {
      const at = list.findIndex((c) => c.id === comment.replyTo);
      if (at < 0) return null;
      const parent = list[at];
      const replies = replaceIn(parent.replies ?? [], comment) ?? [
        ...(parent.replies ?? []),
        merged(null, comment),
      ];
      const copy = list.slice();
      copy[at] = { ...parent, replies };
      return copy;
    };
    const comments = place(thread.comments);
    if (comments) return { ...thread, comments };
    const tail = place(thread.tail);
    // A reply to a comment on a page not read yet comes with that page.
    return tail ? { ...thread, tail } : thread;
  }
  const comments = replaceIn(thread.comments, comment);
  if (comments) return { ...thread, comments };
  const tail = replaceIn(thread.tail, comment);
  if (tail) return { ...thread, tail };
  const added = merged(null, comment);
  return thread.complete
    ? { ...thread, comments: [...thread.comments, added] }
    : { ...thread, tail: [...thread.tail, added] };
}

export function findComment(thread, id) {
  for (const top of [...thread.comments, ...thread.tail]) {
    if (top.id === id) return top;
    const reply = (top.replies ?? []).find((r) => r.id === id);
    if (reply) return reply;
  }
  return null;
}

export function withDeleted(thread, id) {
  const found = findComment(thread, id);
  if (!found) return thread;
  return withComment(thread, {
    ...found,
    state: 'DELETED',
    bodyText: null,
    bodyHtml: null,
    viewerCanEdit: false,
  });
}
