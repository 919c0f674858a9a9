use actix::{Actor, Context, Handler, Message, ResponseFuture, Supervised};

use crate::sink::{Batch, Sink, SinkError};

/// A batch to commit.
#[derive(Debug)]
pub(crate) struct Write(pub(crate) Batch);

impl Message for Write {
    type Result = Result<(), SinkError>;
}

/// Owns one sink; every write resolves when the sink committed.
#[derive(Debug)]
pub(crate) struct SinkActor {
    pub(crate) sink: Box<dyn Sink>,
}

impl Actor for SinkActor {
    type Context = Context<Self>;
}

impl Supervised for SinkActor {}

impl Handler<Write> for SinkActor {
    type Result = ResponseFuture<Result<(), SinkError>>;

    fn handle(&mut self, msg: Write, _: &mut Context<Self>) -> Self::Result {
        self.sink.write(msg.0)
    }
}
