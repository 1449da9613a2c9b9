"""Automatic cash application: which customer a payment is from and which items it pays.

Pure: no database. The caller builds a `Book` from the open items and customers once per run,
asks `Book.match(remittance)` for a `Proposal` per payment, applies the proposals it accepts
through the cash services, and calls `Book.take(proposal)` after each (and after a clerk applies
a suggestion), so a later payment in the same file does not reuse money already applied; a
proposal it leaves for a clerk it passes to `Book.hold(key, proposal)`.
`Book.teach(customer_id, payer)` learns an alias at once; `name_key(payer)` is the form an alias
is stored and compared in. `allocate` is the allocation policy on its own, for manual application.

A proposal carries the customer, the allocations (to the cent), what stays unapplied on account,
a confidence between 0.00 and 1.00, the rule that decided, and a reason a clerk reads. At or above
the threshold (`THRESHOLD`, 0.90, unless the agency sets another; `Proposal.applies(threshold)`)
the payment may be applied by itself; below it the proposal is a suggestion for the
unapplied-cash worklist, never applied without a clerk. No customer found: customer None, rule
"none", confidence 0.00, everything unapplied.

What the engine reads (numbers.py, names.py): document numbers in the remittance lines, the
reference and the free text, typos and all (one digit dropped, added or changed, two swapped,
the letter O for 0, l for 1, leading zeros left out, the prefix left out); customer numbers; the
payer's name against customer names and learned aliases.

How it decides. Each customer the remittance may be from is a hypothesis, and each is scored by
the evidence that agrees with it. The evidence for a customer, strongest first (`Seen`):

- NUMBER: its customer number is given (field, lockbox line or text);
- ALIAS: the payer is exactly a learned alias of it, and of nobody else;
- NAME: the payer is exactly its name (word order, case, punctuation and legal forms aside),
  and no other customer's, nor close to another's (a dropped middle initial);
- CLOSE: the payer scores 0.85 or more against its name, 0.10 ahead of any other;
- SHARED: the payer is exactly its name, which other customers share (namesakes);
- LIKE: the payer scores 0.60 or more.

Confidence, by what the remittance names and what agrees (evidence.py holds the values):

- documents read exactly, owing together what was paid (or lines whose amounts tie out): 0.99;
- documents read exactly, paid short or over: 0.95 by a NAME or better, 0.93 CLOSE, 0.85
  SHARED or LIKE, 0.80 nobody known (a typo in a dense numbering usually lands on another real
  number: without the customer, the exact reading proves little);
- a document one typo from what was written, owing what was paid: 0.97 with the payer CLOSE or
  better, 0.95 when another number of the same customer's is read exactly, 0.93 LIKE or SHARED,
  0.91 with nobody known if it is the only item within one typo owing that amount, the amount
  is rare (3 items or fewer owe it) and what was written is not exactly another open item; else
  0.75;
- a document one typo away, paid short or over: 0.85 with the payer CLOSE or better, else 0.60;
- "#123", the sequence alone, among the known customer's items: 0.96 (NAME or better) or 0.93
  (CLOSE) when it owes the payment; otherwise below the threshold (a check or PO number can be
  one of the customer's sequence numbers by chance);
- nothing named, a customer known: one open item owing the payment (the policy's first of equal
  ones) 0.96 (NAME or better), 0.93 (CLOSE; 0.91 for an amount more than 3 items in the book
  owe), 0.91 (SHARED, a rare amount), 0.80 (LIKE); the whole balance, or the only set of 2 to 5
  of its items adding up to it, 0.94 / 0.91 (CLOSE) / 0.80; nothing adds up: the policy
  applies it, 0.92 for a NAME or better, 0.80 CLOSE, less below;
- nothing named, nobody known, the only open item in the book owing that amount: 0.50.

Every value at or above 0.90 rests on two independent pieces of evidence: the number and the
amount, the number and the customer, or the customer and the amount. Then the doubts lower a
hypothesis:

- the payer is clearly another customer (another customer's number is given, or the payer is
  SHARED or better for another customer while only LIKE or less for this one): at most 0.60.
  This is the payment for someone else's invoice; the reason names both customers;
- the remittance names, exactly, a document of another customer, and the hypothesis (by the
  amount and the payer, or by other documents that do not tie out) leaves it aside; or a typo
  reading when what was written is exactly another customer's item owing that amount: at most
  0.55;
- one document read exactly owing a common amount (more than 3 items owe it) with no payer at
  all to vouch for it: 0.88, as a typo, or two, can land on it;
- another item owing the same, one typo from what was written, of the same customer (a monthly
  bill) or, when the payer is not CLOSE, of a customer the payer is no less like; another item of
  the same customer owing the same two typos away from a typo reading; a short or over pay of a
  document read exactly when the number read another way (another prefix, one typo) is an item
  owing exactly the payment; another of the customer's items fitting a reading as well; a named
  document already paid (a second payment?); a number that names no open item while the amount
  does not tie out: at most 0.85;
- an item that a payment waiting for a clerk may pay (`Book.hold`: a suggestion's items; for a
  payment nobody was found for, the 3 or fewer items owing exactly its amount): at most 0.85,
  whatever the rule. What the clerk does with the first decides what is open for this one, and
  one of the two may be a second payment. `Book.release` lifts the hold once it is worked;
  an import holds the worklist's payments and each payment it leaves for a clerk;
- two readings that would each be applied (0.85 or more) and disagree (other items, another
  customer): the best at most 0.80, and the reason names the other. A reading that does not tie
  out does not stand against one that does, nor does a first reading that leaves a number unread
  against the fuller one that reads it.

Allocation: the customer's policy (else the agency's) over the named documents, in the order
named for the INSTRUCTION policy; lockbox lines whose amounts add up to the payment are the
customer's own instruction and are followed, each capped at what its item owes. A short pay
leaves the rest open; an overpayment leaves the excess unapplied on the customer's account. With
no document named and no amount match, the payment goes down the policy's order over all the
customer's open items; a customer owing nothing gets it all on account.

Bounds: an exact number is one dictionary lookup; the typo search probes every one-typo variant
of what was written that is ten digits long, a few hundred lookups at most, and only when the
exact reading does not settle it; a payer lookup scores at most 12 candidate names and is
cached; the combination search takes the customer's 20 items first in the policy's order owing
less than the payment, sets of at most 5, at most 20,000 steps. Building the book costs a few
microseconds an open item (one pass, no sorting). Measured figures: benchmarks/remittances.py.
"""

from .allocation import (
    KINDS,
    Allocation,
    OpenItem,
    Policy,
    allocate,
    policy_order,
)
from .engine import Book
from .names import name_key, name_words
from .records import (
    THRESHOLD,
    CustomerRef,
    MatchError,
    Proposal,
    Remittance,
    RemittanceLine,
)

__all__ = [
    "KINDS",
    "THRESHOLD",
    "Allocation",
    "Book",
    "CustomerRef",
    "MatchError",
    "OpenItem",
    "Policy",
    "Proposal",
    "Remittance",
    "RemittanceLine",
    "allocate",
    "name_key",
    "name_words",
    "policy_order",
]
