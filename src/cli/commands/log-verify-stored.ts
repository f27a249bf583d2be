/**
 * The stored-hash check of `acgs log verify`: entry lines written by `acgs log export` carry the
 * leaf hash and the complete-subtree nodes the log stored for them (docs/log-format.md §5). They
 * are not trusted; they are redundancy that tells *which* entry changed, where the signed roots
 * only tell that something between two checkpoints did.
 *
 * Fed the entry lines in file order, the check rebuilds the tree from the stored leaf hashes and
 * compares every stored node, and names:
 * - an entry whose text does not hash to its stored leaf hash (text or leaf hash edited): itself;
 * - a line carrying more or fewer nodes than its position completes (an entry removed or inserted
 *   and the rest renumbered, or lines moved): that position;
 * - two adjacent entries whose stored leaf hashes are the stored node's children in the other order
 *   (swapped): both;
 * - a stored node that does not match its children, while its parent does match the tree rebuilt
 *   from the leaves: the node itself, by the entry whose line (and row) holds it;
 * - otherwise, a node over two leaves that do not match it, with its parent disagreeing as well: one
 *   of the two entries was edited together with its stored leaf hash. No hash tells which of two
 *   siblings changed, so the first is named and the report gives both (`lastIndex`).
 * A node over entries already found bad is not reported again (the change propagates upwards).
 */
import { CompactRange, fromHex, hashChildren, hashEquals, hashLeaf, toHex } from '../../merkle/index.js';

/** An entry line with the hashes the log stored for it. */
export interface EntryWithStored {
  readonly index: number;
  readonly entry: string;
  readonly leafHash: string;
  readonly nodes: readonly string[];
}

/** Where the stored log disagrees with itself: `index`, or one of `index`…`lastIndex`. */
export interface StoredHashMismatch {
  readonly index: number;
  /** Set when the change lies in one of the entries `index`…`lastIndex` and hashes cannot tell which. */
  readonly lastIndex?: number;
  /** The other entry of a swapped pair. */
  readonly swappedWith?: number;
  readonly message: string;
}

const MAX_FOUND = 100;

interface Suspect {
  readonly level: number;
  readonly index: number;
  /** The position whose line holds the node. */
  readonly row: number;
}

/** Parses an entry line with its stored members; undefined for any other line. */
export function parseStoredEntryLine(line: string): EntryWithStored | undefined {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (value.kind !== 'entry' || typeof value.index !== 'number' || typeof value.entry !== 'string')
      return undefined;
    if (typeof value.leafHash !== 'string') return undefined;
    const nodes = Array.isArray(value.nodes)
      ? value.nodes.filter((n): n is string => typeof n === 'string')
      : [];
    return { index: value.index, entry: value.entry, leafHash: value.leafHash, nodes };
  } catch {
    return undefined;
  }
}

/** How many complete subtrees above the leaves entry `position` completes (trailing one bits). */
function completedLevels(position: number): number {
  let levels = 0;
  for (let width = 2; (position + 1) % width === 0; width *= 2) levels++;
  return levels;
}

/** The stored-hash check over one export; see the module comment. */
export class StoredHashCheck {
  readonly #range = CompactRange.empty();
  readonly #found: StoredHashMismatch[] = [];
  /** The highest position already named, so that nodes above it are not blamed again. */
  #lastBad = -1;
  /** Nodes that disagree with their children, waiting for their parent's verdict. */
  readonly #suspects = new Map<string, Suspect>();
  /** Stored leaf hashes of the last two positions (for the swapped-siblings test). */
  #previousLeaf: Uint8Array | undefined;
  #previousNodes: readonly string[] = [];
  /** A node-count mismatch at an even position, named unless the next line shows a swap. */
  #heldCount: StoredHashMismatch | undefined;

  /** Entries fed so far (the position of the next one). */
  get size(): number {
    return this.#range.size;
  }

  /** Feeds the entry line at the next position (its `index` member is the verifier's business). */
  feed(line: EntryWithStored): void {
    const position = this.#range.size;
    let stored: Uint8Array;
    try {
      stored = fromHex(line.leafHash);
      if (stored.length !== 32) throw new Error('not 32 bytes');
    } catch {
      this.#name({
        index: position,
        message: `entry ${position}: its stored leaf hash is not 32 bytes of hex`,
      });
      stored = hashLeaf(line.entry);
    }
    const text = hashLeaf(line.entry);
    if (!hashEquals(text, stored)) {
      this.#name({
        index: position,
        message: `entry ${position}: its text hashes to ${toHex(text)}, not to the leaf hash ${line.leafHash} the log stored`,
      });
    }
    const previous = this.#previousLeaf;
    this.#previousLeaf = stored;
    let nodes = line.nodes;
    const held = this.#heldCount;
    this.#heldCount = undefined;
    if (held !== undefined) {
      // Whole lines of siblings swapped and renumbered: the even position carries the odd one's
      // nodes, and those nodes' first is the two leaf hashes in the other order.
      const swapped =
        previous !== undefined &&
        nodes.length === 0 &&
        this.#previousNodes.length === completedLevels(position) &&
        this.#previousNodes[0] === toHex(hashChildren(stored, previous));
      if (swapped) {
        nodes = this.#previousNodes;
        this.#name({
          index: position - 1,
          lastIndex: position,
          swappedWith: position,
          message: `entries ${position - 1} and ${position} are swapped: their lines are in each other's place`,
        });
      } else {
        this.#name(held);
      }
    }
    const expected = completedLevels(position);
    if (nodes.length !== expected) {
      const mismatch = {
        index: position,
        message: `entry ${position}: the line carries ${nodes.length} stored nodes where position ${position} completes ${expected}: an entry before it was removed or inserted and the rest renumbered, or lines were moved`,
      };
      // An even position may be the first of two swapped siblings: the next line tells.
      if (position % 2 === 0) this.#heldCount = mismatch;
      else this.#name(mismatch);
    }
    this.#previousNodes = line.nodes;
    this.#range.append(stored, (id, hash) => {
      if (id.level === 0) return;
      const kept = nodes[id.level - 1];
      const matches = kept === undefined || kept === toHex(hash);
      this.#parentVerdict(id.level, id.index, matches);
      if (matches) return;
      const first = id.index * 2 ** id.level;
      if (this.#anyBad(first)) return;
      if (id.level === 1 && previous !== undefined && kept === toHex(hashChildren(stored, previous))) {
        this.#name({
          index: first,
          lastIndex: position,
          swappedWith: position,
          message: `entries ${first} and ${position} are swapped: their stored leaf hashes are the stored node (level 1, index ${id.index}) in the other order`,
        });
        return;
      }
      this.#suspects.set(`${id.level}/${id.index}`, { level: id.level, index: id.index, row: position });
    });
  }

  /** The first place the stored hashes disagree, if any (call after the last line). */
  finish(): StoredHashMismatch | undefined {
    if (this.#heldCount !== undefined) this.#name(this.#heldCount);
    this.#heldCount = undefined;
    for (const suspect of this.#suspects.values()) this.#blameLeaves(suspect);
    this.#suspects.clear();
    return [...this.#found].sort((a, b) => a.index - b.index)[0];
  }

  // A node's parent was compared: a suspect child is resolved by it. A parent that matches the tree
  // rebuilt from the leaves means the leaves are as signed, so the stored child node was altered; a
  // parent that disagrees too means the change is below the child.
  #parentVerdict(level: number, index: number, parentMatches: boolean): void {
    for (const childIndex of [2 * index, 2 * index + 1]) {
      const key = `${level - 1}/${childIndex}`;
      const suspect = this.#suspects.get(key);
      if (suspect === undefined) continue;
      this.#suspects.delete(key);
      if (parentMatches) {
        const first = suspect.index * 2 ** suspect.level;
        this.#name({
          index: suspect.row,
          message: `entry ${suspect.row}: the stored node (level ${suspect.level}, index ${suspect.index}) over entries ${first}–${first + 2 ** suspect.level - 1}, kept with this entry, does not match the entries`,
        });
      } else {
        this.#blameLeaves(suspect);
      }
    }
  }

  #blameLeaves(suspect: Suspect): void {
    const first = suspect.index * 2 ** suspect.level;
    const last = first + 2 ** suspect.level - 1;
    this.#name({
      index: first,
      lastIndex: last,
      message: `entries ${first}–${last} do not match the stored node (level ${suspect.level}, index ${suspect.index}) over them: one was changed together with its stored leaf hash (hashes cannot tell which), or the node was`,
    });
  }

  // Every position named is at most the current one, so the highest tells whether any lies in
  // [first, current].
  #anyBad(first: number): boolean {
    return this.#lastBad >= first;
  }

  #name(mismatch: StoredHashMismatch): void {
    if (this.#found.length < MAX_FOUND) this.#found.push(mismatch);
    this.#lastBad = Math.max(this.#lastBad, mismatch.lastIndex ?? mismatch.index);
  }
}
