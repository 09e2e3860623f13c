// fork_child.js — a Node child for ruv's `fork_node` and `fork_parent --node` examples: answers
// each message from its parent with { pong: <message> } and exits when the parent disconnects.
'use strict';
process.on('message', (m) => process.send({ pong: m }));
