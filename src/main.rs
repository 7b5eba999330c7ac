fn main() -> std::process::ExitCode {
    iam_onboard::run()
}
