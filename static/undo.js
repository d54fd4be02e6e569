// Undo and redo of moves. Each entry holds the moves that undo it and the moves that redo it ({code: hood}) and
// a label ("move of E01000001 to North"); undoing or redoing posts those moves as a new version, so the stacks
// only remember what to post. Pure: no DOM, no requests.

export class UndoStack {
  constructor() {
    this.undos = [];
    this.redos = [];
  }

  /** A new change: it can be undone, and nothing undone before it can be redone any more. */
  record(entry) {
    this.undos.push(entry);
    this.redos = [];
  }

  clear() {
    this.undos = [];
    this.redos = [];
  }

  /** Take the latest change to undo (undefined when none); after posting its undo moves, call `undone`. */
  takeUndo() { return this.undos.pop(); }

  undone(entry) { this.redos.push(entry); }

  /** Take the latest undone change to redo (undefined when none); after posting its moves, call `redone`. */
  takeRedo() { return this.redos.pop(); }

  redone(entry) { this.undos.push(entry); }

  /**
   * A neighbourhood was renamed: every remembered move into `from` now goes to `to`, and the labels say so, so
   * undo and redo carry on across a rename instead of being forgotten.
   */
  rename(from, to) {
    const swap = (moves) => Object.fromEntries(Object.entries(moves).map(([code, hood]) => [code, hood === from ? to : hood]));
    const relabel = (label) => label.replace(new RegExp(`(^|\\s)to ${escapeRegExp(from)}$`), `$1to ${to}`);
    for (const entry of [...this.undos, ...this.redos]) {
      entry.undo = swap(entry.undo);
      entry.redo = swap(entry.redo);
      entry.label = relabel(entry.label);
    }
  }

  get canUndo() { return this.undos.length > 0; }

  get canRedo() { return this.redos.length > 0; }

  /** The undo button's text: "Undo move of E01000001 to North", or "Undo". */
  get undoText() { return this.undos.length ? `Undo ${this.undos.at(-1).label}` : "Undo"; }

  get redoText() { return this.redos.length ? `Redo ${this.redos.at(-1).label}` : "Redo"; }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
