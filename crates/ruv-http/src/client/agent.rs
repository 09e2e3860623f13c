//! Node's `http.Agent`: connections pooled per `host:port`, a FIFO queue of requests
//! waiting for one when `max_sockets` are busy, a LIFO free list of keep-alive connections
//! (unreferenced, so they never keep the loop alive), and the loop's global agent.

use super::conn::{self, ConnId};
use super::request::{self, ClientRequest};
use ruv_core::registry::{Handle, HandleId};
use ruv_core::Loop;
use std::collections::{HashMap, VecDeque};

/// Node's `maxFreeSockets` default.
pub const DEFAULT_MAX_FREE_SOCKETS: usize = 256;

/// The options of an [`Agent`] (Node's `new http.Agent(options)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentOptions {
    /// Keep connections open after their response for later requests (default false).
    /// With it, requests say `Connection: keep-alive`; without it they say
    /// `Connection: close`, unless `max_sockets` is finite (then a connection goes straight
    /// to a request waiting for one, as in Node).
    pub keep_alive: bool,
    /// The delay before the first TCP keep-alive probe on a keep-alive agent's sockets, in
    /// ms (default 1000).
    pub keep_alive_msecs: u64,
    /// The most connections per `host:port` (default unlimited: `usize::MAX`; 0 means the
    /// default, as in Node).
    pub max_sockets: usize,
    /// The most free connections kept per `host:port` (default 256; 0 means the default).
    pub max_free_sockets: usize,
    /// The socket idle timeout, in ms: a connection in use emits
    /// [`Timeout`](super::ClientEvent::Timeout) to its request after this long idle, and a
    /// free one is closed (default none). A server's `Keep-Alive: timeout=N` shortens the
    /// wait of a free connection to `N` s minus one, as Node does.
    pub timeout: Option<u64>,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            keep_alive: false,
            keep_alive_msecs: 1000,
            max_sockets: usize::MAX,
            max_free_sockets: DEFAULT_MAX_FREE_SOCKETS,
            timeout: None,
        }
    }
}

impl AgentOptions {
    /// The options of the loop's global agent: Node 20's `http.globalAgent` (keep-alive,
    /// a 5000 ms socket timeout).
    pub fn global() -> AgentOptions {
        AgentOptions {
            keep_alive: true,
            timeout: Some(5000),
            ..AgentOptions::default()
        }
    }

    fn normalized(mut self) -> AgentOptions {
        if self.max_sockets == 0 {
            self.max_sockets = usize::MAX;
        }
        if self.max_free_sockets == 0 {
            self.max_free_sockets = DEFAULT_MAX_FREE_SOCKETS;
        }
        self
    }
}

/// A connection pool (Node's `http.Agent`): a `Copy` id into the loop.
///
/// Connections are pooled by `host:port` (the `name` of the counting methods; Node's
/// `agent.getName()` adds a trailing `:`). An agent lives as long as its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Agent(pub(crate) HandleId);

#[derive(Default)]
pub(crate) struct Pool {
    /// Connections given to a request (connecting ones too), until they close.
    busy: Vec<ConnId>,
    /// Idle keep-alive connections, the most recently freed last (Node's `lifo`).
    free: Vec<ConnId>,
    /// Requests waiting for a connection, oldest first.
    queue: VecDeque<ClientRequest>,
}

pub(crate) struct AgentState {
    pub(crate) opts: AgentOptions,
    pools: HashMap<String, Pool>,
    /// Made for one request (Node's `agent: false`): dropped once it holds nothing.
    ephemeral: bool,
}

/// The loop's global agent, once made.
struct Global(Agent);

fn state<S: 'static>(lp: &mut Loop<S>, agent: Agent) -> Option<&mut AgentState> {
    lp.handles::<AgentState>()
        .get_mut(agent.0)
        .map(|h| &mut h.data)
}

fn pool<'a, S: 'static>(lp: &'a mut Loop<S>, agent: Agent, name: &str) -> Option<&'a mut Pool> {
    state(lp, agent).and_then(|st| st.pools.get_mut(name))
}

/// The loop's global agent (Node's `http.globalAgent`), made on first use with
/// [`AgentOptions::global`].
pub fn global_agent<S: 'static>(lp: &mut Loop<S>) -> Agent {
    if let Some(g) = lp.extension::<Global>() {
        return g.0;
    }
    let agent = Agent::new(lp, AgentOptions::global());
    lp.insert_extension(Global(agent));
    agent
}

impl Agent {
    /// Makes an agent (Node's `new http.Agent(options)`).
    pub fn new<S: 'static>(lp: &mut Loop<S>, opts: AgentOptions) -> Agent {
        Agent::make(lp, opts, false)
    }

    pub(crate) fn make<S: 'static>(lp: &mut Loop<S>, opts: AgentOptions, ephemeral: bool) -> Agent {
        let id = lp.handles::<AgentState>().insert(Handle::new(AgentState {
            opts: opts.normalized(),
            pools: HashMap::new(),
            ephemeral,
        }));
        Agent(id)
    }

    /// The agent's options (`max_sockets` and `max_free_sockets` with 0 replaced by the
    /// default), or `None` for an agent that is gone (an ephemeral one after its request).
    pub fn options<S: 'static>(self, lp: &Loop<S>) -> Option<AgentOptions> {
        lp.handle::<AgentState>(self.0).ok().map(|h| h.data.opts)
    }

    fn count<S: 'static>(self, lp: &Loop<S>, name: &str, f: fn(&Pool) -> usize) -> usize {
        lp.handle::<AgentState>(self.0)
            .ok()
            .and_then(|h| h.data.pools.get(name))
            .map_or(0, f)
    }

    /// How many connections to `name` (`"host:port"`) are given to requests, connecting
    /// ones included (Node's `agent.sockets[name].length`).
    pub fn sockets<S: 'static>(self, lp: &Loop<S>, name: &str) -> usize {
        self.count(lp, name, |p| p.busy.len())
    }

    /// How many idle keep-alive connections to `name` wait for a request (Node's
    /// `agent.freeSockets[name].length`).
    pub fn free_sockets<S: 'static>(self, lp: &Loop<S>, name: &str) -> usize {
        self.count(lp, name, |p| p.free.len())
    }

    /// How many requests to `name` wait for a connection (Node's
    /// `agent.requests[name].length`).
    pub fn requests<S: 'static>(self, lp: &Loop<S>, name: &str) -> usize {
        self.count(lp, name, |p| p.queue.len())
    }

    /// Node's `agent.destroy()`: closes every connection of the agent, free and in use (a
    /// request whose connection this closes gets `ECONNRESET`, `socket hang up`, or
    /// `aborted` mid-response). The agent stays usable: later requests open new
    /// connections. A no-op for an agent that is gone.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>) {
        let Some(st) = state(lp, self) else { return };
        let conns: Vec<ConnId> = st
            .pools
            .values()
            .flat_map(|p| p.free.iter().chain(p.busy.iter()).copied())
            .collect();
        for c in conns {
            conn::destroy(lp, c);
        }
    }
}

/// Gives `req` a connection: a free one (the most recently freed), a new one while fewer
/// than `max_sockets` are busy, or a place at the back of the queue. Emits nothing.
pub(crate) fn add_request<S: 'static>(
    lp: &mut Loop<S>,
    agent: Agent,
    req: ClientRequest,
    host: &str,
    port: u16,
    name: &str,
) {
    let Some(st) = state(lp, agent) else { return };
    let max = st.opts.max_sockets;
    let p = st.pools.entry(name.to_string()).or_default();
    if let Some(c) = p.free.pop() {
        p.busy.push(c);
        conn::attach(lp, c, req);
        return;
    }
    if p.busy.len() < max {
        let c = conn::open(lp, agent, name, host, port);
        if let Some(p) = pool(lp, agent, name) {
            p.busy.push(c);
        }
        conn::attach(lp, c, req);
        return;
    }
    p.queue.push_back(req);
    request::set_queued(lp, req, true);
}

/// Takes `req` out of the queue of `name` (it was destroyed while waiting).
pub(crate) fn unqueue<S: 'static>(lp: &mut Loop<S>, agent: Agent, name: &str, req: ClientRequest) {
    if let Some(p) = pool(lp, agent, name) {
        p.queue.retain(|&r| r != req);
    }
    cleanup(lp, agent);
}

/// The next waiting request of `name` that is still alive.
fn next_waiting<S: 'static>(lp: &mut Loop<S>, agent: Agent, name: &str) -> Option<ClientRequest> {
    loop {
        let req = pool(lp, agent, name)?.queue.pop_front()?;
        if request::is_open(lp, req) {
            request::set_queued(lp, req, false);
            return Some(req);
        }
    }
}

/// A request is done with connection `c`, which can carry another one (Node's `'free'`):
/// it goes to the oldest waiting request, else to the free list (keep-alive agents, below
/// `max_free_sockets`, unless the server's keep-alive hint says it closes within a
/// second), else it is closed.
pub(crate) fn release<S: 'static>(lp: &mut Loop<S>, c: ConnId) {
    let Some((agent, name, hint)) = conn::owner(lp, c) else {
        return;
    };
    if let Some(next) = next_waiting(lp, agent, &name) {
        conn::attach(lp, c, next);
        return;
    }
    let Some(st) = state(lp, agent) else {
        conn::destroy(lp, c);
        return;
    };
    let opts = st.opts;
    // Node's keepSocketAlive: the agent's timeout, shortened to a second before the
    // server's announced one; a server that closes within a second is not waited for
    let mut timeout = opts.timeout.unwrap_or(0);
    let mut keep = opts.keep_alive;
    if let Some(secs) = hint {
        let hinted = secs.saturating_mul(1000).saturating_sub(1000);
        if hinted == 0 {
            keep = false;
        } else if hinted < timeout {
            timeout = hinted;
        }
    }
    let Some(p) = st.pools.get_mut(&name) else {
        conn::destroy(lp, c);
        return;
    };
    if keep && p.free.len() < opts.max_free_sockets {
        p.busy.retain(|&b| b != c);
        p.free.push(c);
        conn::make_free(lp, c, timeout);
    } else {
        conn::destroy(lp, c);
    }
}

/// Connection `c` is being closed: it is no longer free.
pub(crate) fn forget_free<S: 'static>(lp: &mut Loop<S>, agent: Agent, name: &str, c: ConnId) {
    if let Some(p) = pool(lp, agent, name) {
        p.free.retain(|&f| f != c);
    }
}

/// Connection `c` closed: it leaves the pool, and the oldest waiting request gets a new
/// connection if there is room for one (Node's `removeSocket`).
pub(crate) fn conn_gone<S: 'static>(lp: &mut Loop<S>, agent: Agent, name: &str, c: ConnId) {
    let Some(st) = state(lp, agent) else { return };
    let max = st.opts.max_sockets;
    if let Some(p) = st.pools.get_mut(name) {
        p.busy.retain(|&b| b != c);
        p.free.retain(|&f| f != c);
        if p.busy.len() < max && !p.queue.is_empty() {
            if let Some(next) = next_waiting(lp, agent, name) {
                if let Some((host, port)) = request::target(lp, next) {
                    let c = conn::open(lp, agent, name, &host, port);
                    if let Some(p) = pool(lp, agent, name) {
                        p.busy.push(c);
                    }
                    conn::attach(lp, c, next);
                }
            }
        }
    }
    cleanup(lp, agent);
}

/// Drops empty pools, and an ephemeral agent once it holds nothing.
pub(crate) fn cleanup<S: 'static>(lp: &mut Loop<S>, agent: Agent) {
    let Some(st) = state(lp, agent) else { return };
    st.pools
        .retain(|_, p| !(p.busy.is_empty() && p.free.is_empty() && p.queue.is_empty()));
    if st.ephemeral && st.pools.is_empty() {
        lp.handles::<AgentState>().remove(agent.0);
    }
}

/// Whether the agent's requests ask to keep their connection (Node's `shouldKeepAlive`:
/// a keep-alive agent, or one with a finite `max_sockets`).
pub(crate) fn keeps_alive<S: 'static>(lp: &Loop<S>, agent: Agent) -> bool {
    agent
        .options(lp)
        .is_some_and(|o| o.keep_alive || o.max_sockets != usize::MAX)
}
