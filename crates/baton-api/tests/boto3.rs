//! A real AWS client against the API: `tests/boto3/lifecycle.py` drives a server on a real
//! socket with boto3, the AWS SDK for Python. It needs `python3` with boto3 installed
//! (`pip install boto3`); CI installs it.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use baton_api::Options;
use baton_integrations::Handlers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_lifecycle() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    // `Notify` plays the function that a `.waitForTaskToken` task calls with its token.
    let mut handlers = Handlers::new();
    handlers.register("Notify", |_input| async { Ok(json!({ "sent": true })) });
    let service = Options::local().build(Arc::new(handlers));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let server = tokio::spawn(service.run(listener, shutdown));

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/boto3/lifecycle.py");
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .arg(&endpoint)
        .output()
        .await
        .expect("python3 runs (boto3 tests need python3 with `pip install boto3`)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the boto3 script failed:\n{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "boto3 lifecycle: ok\n");

    stop.send(()).expect("the server listens");
    server.await.expect("the server task").expect("a clean shutdown");
}
