"""The benchmark behind scripts/bench: run it through that script, which builds the binary and
starts the emulator.

(a) a Boto3 loop making, for N users, exactly the calls `iam-onboard batch` makes for a row
    (GetUser, CreateUser with tags and boundary, AddUserToGroup; MFA deferred, no console);
(b) `iam-onboard batch` on a CSV of N users, the whole process;
(c) the emulator's raw capacity for those calls: the fastest client here (Boto3 in 1, 2 or 4
    processes, or iam-onboard batch at concurrency 16);
(d) one `new-user` with an MFA device enabled from two codes, the whole process, against a
    Python process making the same calls with Boto3 (and pyotp for the codes);
(e) peak resident memory of `iam-onboard batch` for a file of many rows;
(f) `iam-onboard list --all` over an account of many users: the calls it makes (counted from the
    SDK's own log of each attempt) and the seconds, whole process;
(g) `iam-onboard audit` of that account, beside a Boto3 loop asking per user what the audit needs
    (ListMFADevices, ListAccessKeys, GetAccessKeyLastUsed, ListAttachedUserPolicies);
(h) `assign` of the 2nd to 20th person of a template whose account sets hold 100 accounts, through
    the template's group (the default) and with direct assignments ("sso_access": "users"): calls
    and seconds per person;
(i) `sync` of an HR export over an account of many managed people: with nothing to change, and
    with 1% of them moved to another template (calls and seconds, whole process);
(j) `audit --accounts` over 10 accounts of a person each, beside the audit of one of them
    (calls and seconds, whole process).
"""
import concurrent.futures
import csv
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3

BINARY, USERS, MEMORY_ROWS, LIST_USERS, SYNC_USERS = (
    sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
TEMPLATE, GROUP = "developer", "iam-onboard-developers"
work = tempfile.mkdtemp(prefix="iam-onboard-bench-")


def reset():
    urllib.request.urlopen(urllib.request.Request(ENDPOINT + "/moto-api/reset", method="POST"))
    # The template's policies and group, as any real account would already have them.
    subprocess.run([BINARY, "new-user", "bench-warmup", "--template", TEMPLATE, "--no-console",
                    "--mfa", "deferred", "-q", "-y"], check=True, stdout=subprocess.DEVNULL)


def account_and_caller():
    identity = boto3.client("sts").get_caller_identity()
    return identity["Account"], identity["Arn"]


def boto3_user(iam, name, account, caller):
    try:
        iam.get_user(UserName=name)
    except iam.exceptions.NoSuchEntityException:
        pass
    iam.create_user(
        UserName=name,
        Path="/",
        PermissionsBoundary=f"arn:aws:iam::{account}:policy/iam-onboard/iam-onboard-people-boundary",
        Tags=[{"Key": k, "Value": v} for k, v in [
            ("managed-by", "iam-onboard"), ("iam-onboard:template", TEMPLATE),
            ("iam-onboard:created-by", caller), ("job-function", TEMPLATE)]],
    )
    iam.add_user_to_group(GroupName=GROUP, UserName=name)


def case_boto3_loop():
    reset()
    account, caller = account_and_caller()
    iam = boto3.client("iam")
    start = time.perf_counter()
    for i in range(USERS):
        boto3_user(iam, f"loop-{i}", account, caller)
    return time.perf_counter() - start


def write_csv(path, rows, prefix):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["username", "template"])
        for i in range(rows):
            writer.writerow([f"{prefix}-{i}", TEMPLATE])


def run_batch(rows, prefix, concurrency=4):
    path = os.path.join(work, f"{prefix}.csv")
    write_csv(path, rows, prefix)
    start = time.perf_counter()
    subprocess.run([BINARY, "batch", path, "-q", "-y", "--concurrency", str(concurrency)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def case_batch():
    reset()
    return run_batch(USERS, "batch")


def capacity_worker(args):
    first, count, account, caller = args
    iam = boto3.session.Session().client("iam")
    for i in range(first, first + count):
        boto3_user(iam, f"cap-{i}", account, caller)


def case_capacity():
    """The fastest client there is here: the best of 1, 2 and 4 Boto3 processes and of
    iam-onboard batch at concurrency 16. The emulator, one Python process on these cores,
    is what limits them all."""
    reset()
    best, by = run_batch(USERS, "cap16", concurrency=16), "iam-onboard batch, concurrency 16"
    for processes in (1, 2, 4):
        reset()
        account, caller = account_and_caller()
        share = USERS // processes
        jobs = [(p * share, share, account, caller) for p in range(processes)]
        start = time.perf_counter()
        with concurrent.futures.ProcessPoolExecutor(processes) as pool:
            list(pool.map(capacity_worker, jobs))
        seconds = (time.perf_counter() - start) * USERS / (share * processes)
        if seconds < best:
            best, by = seconds, f"Boto3, {processes} processes"
    return best, by


BOTO3_NEW_USER = r'''
import sys, time, boto3, pyotp
name = sys.argv[1]
iam = boto3.client("iam")
account = boto3.client("sts").get_caller_identity()["Account"]
try:
    iam.get_user(UserName=name)
except iam.exceptions.NoSuchEntityException:
    pass
iam.create_user(UserName=name, Path="/", Tags=[{"Key": "managed-by", "Value": "iam-onboard"}],
    PermissionsBoundary=f"arn:aws:iam::{account}:policy/iam-onboard/iam-onboard-people-boundary")
iam.add_user_to_group(GroupName="iam-onboard-developers", UserName=name)
try:
    iam.get_account_password_policy()
except iam.exceptions.NoSuchEntityException:
    pass
iam.create_login_profile(UserName=name, Password="Bench-Passw0rd!-long-enough", PasswordResetRequired=True)
device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
app = pyotp.TOTP(device["Base32StringSeed"].decode())
now = time.time()
iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
    AuthenticationCode1=app.at(now), AuthenticationCode2=app.at(now + 30))
'''


def tool_new_user(name):
    secret = os.path.join(work, f"{name}.otpauth")
    start = time.perf_counter()
    process = subprocess.Popen(
        [BINARY, "new-user", name, "--template", TEMPLATE, "--mfa", "export",
         "--mfa-secret-file", secret, "--password-file", os.path.join(work, f"{name}.password"), "-q", "-y"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    import pyotp
    while not (os.path.exists(secret) and open(secret).read().endswith("\n")):
        time.sleep(0.001)
    app = pyotp.parse_uri(open(secret).read().strip())
    now = time.time()
    process.communicate(f"{app.at(now)}\n{app.at(now + 30)}\n".encode())
    assert process.returncode == 0
    return time.perf_counter() - start


def case_new_user(runs=5):
    reset()
    tool = statistics.median(tool_new_user(f"mfa-tool-{i}") for i in range(runs))
    script = os.path.join(work, "boto3_new_user.py")
    open(script, "w").write(BOTO3_NEW_USER)
    times = []
    for i in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, script, f"mfa-boto3-{i}"], check=True)
        times.append(time.perf_counter() - start)
    return tool, statistics.median(times)


MEASURE_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def case_memory(rows):
    """Peak resident memory of one batch run, measured by a fresh process that runs nothing
    else (Linux reports kilobytes)."""
    reset()
    path = os.path.join(work, f"mem{rows}.csv")
    write_csv(path, rows, f"mem{rows}")
    start = time.perf_counter()
    peak = subprocess.run([sys.executable, "-c", MEASURE_PEAK, BINARY, "batch", path, "-q", "-y"],
                          check=True, capture_output=True, text=True).stdout
    return int(peak) / 1024, time.perf_counter() - start


def managed_account(users, prefix):
    """A fresh account of `users` people named `prefix-N`, made by Boto3 in 4 threads and tagged
    as this tool tags them."""
    reset()
    account, caller = account_and_caller()

    def make(first):
        iam = boto3.session.Session().client("iam")
        for i in range(first, users, 4):
            boto3_user(iam, f"{prefix}-{i}", account, caller)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(make, range(4)))


def case_list(users):
    """An account of `users` people, then one `list --all`: its calls and seconds."""
    managed_account(users, "listed")
    env = dict(os.environ, IAM_ONBOARD_LOG="aws_smithy_runtime=debug")
    start = time.perf_counter()
    run = subprocess.run([BINARY, "list", "--all", "--output", "json"], check=True, env=env,
                         capture_output=True, text=True)
    seconds = time.perf_counter() - start
    listed = run.stdout.count('"user_name"')
    calls = run.stderr.count("beginning attempt")
    return listed, calls, seconds


def counted(args):
    """Runs iam-onboard with the SDK's log of each attempt: (calls, seconds)."""
    env = dict(os.environ, IAM_ONBOARD_LOG="aws_smithy_runtime=debug")
    start = time.perf_counter()
    run = subprocess.run([BINARY, *args], env=env, capture_output=True, text=True, check=True)
    return run.stderr.count("beginning attempt"), time.perf_counter() - start


def case_audit():
    """On the account case_list made: the audit, and a Boto3 loop asking per user."""
    calls, seconds = counted(["audit", "--output", "json", "--fail-on", "never"])
    iam = boto3.client("iam")
    loop_calls = 0
    start = time.perf_counter()
    for page in iam.get_paginator("list_users").paginate():
        loop_calls += 1
        for user in page["Users"]:
            name = user["UserName"]
            iam.list_mfa_devices(UserName=name)
            keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
            for key in keys:
                iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
            iam.list_attached_user_policies(UserName=name)
            loop_calls += 3 + len(keys)
    return calls, seconds, loop_calls, time.perf_counter() - start


def case_groups(accounts=100, people=20):
    """Per person, from the 2nd to the `people`th: (calls, seconds) in group mode, then in
    direct mode."""
    results = []
    for mode in ["groups", "users"]:
        reset()
        dev = [str(100000000000 + i) for i in range(accounts - 1)]
        config = os.path.join(work, f"config-{mode}.json")
        with open(config, "w") as f:
            f.write('{"sso_access": "%s", "account_sets": {"dev": [%s], "prod": ["999999999999"]}}'
                    % (mode, ", ".join(f'"{a}"' for a in dev)))
        per_person = []
        for i in range(people):
            name = f"{mode}-person-{i}"
            calls, seconds = counted(["assign", name, "--template", "developer", "--config", config,
                                      "--create-user", "--email", f"{name}@example.com",
                                      "--given-name", "Bench", "--family-name", "Person", "-y"])
            if i > 0:
                per_person.append((calls, seconds))
        results.append((sum(c for c, _ in per_person) / len(per_person),
                        sum(s for _, s in per_person) / len(per_person)))
    return results


def case_sync(people):
    """An account of `people` managed people (made as case_list makes them), then `sync` of an
    export naming each with their template: (calls, seconds) with nothing to change, then with
    1% of them given another template."""
    managed_account(people, "synced")

    def export(moved):
        path = os.path.join(work, f"hr-{moved}.csv")
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["username", "template"])
            writer.writerow(["bench-warmup", TEMPLATE])
            for i in range(people):
                writer.writerow([f"synced-{i}", "finance" if i < moved else TEMPLATE])
        return path

    unchanged = counted(["sync", export(0), "-y", "-q", "--output", "json"])
    changed = counted(["sync", export(max(people // 100, 1)), "-y", "-q", "--output", "json",
                       "--concurrency", "8"])
    return unchanged, changed


def case_accounts(accounts=10):
    """`audit --accounts` over `accounts` member accounts (moto acts in any account with the
    credentials AssumeRole answers), a user in each: (calls, seconds) for all, then for one."""
    ids = [f"{900000000000 + n:012d}" for n in range(accounts)]
    sts = boto3.client("sts")
    for account in ids:
        given = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                RoleSessionName="bench")["Credentials"]
        boto3.client("iam", aws_access_key_id=given["AccessKeyId"],
                     aws_secret_access_key=given["SecretAccessKey"],
                     aws_session_token=given["SessionToken"]).create_user(UserName="bench-person")
    audit = lambda chosen: counted(["audit", "--accounts", ",".join(chosen), "--output", "json",
                                    "--fail-on", "never"])
    return audit(ids), audit(ids[:1])


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


print(f"== iam-onboard benchmark: {USERS} users; {cpu()}, {os.cpu_count()} cores; "
      f"moto {__import__('moto').__version__}, boto3 {boto3.__version__}; {time.strftime('%Y-%m-%d')}")
loop = case_boto3_loop()
batch = case_batch()
capacity, capacity_by = case_capacity()
tool_one, boto3_one = case_new_user()
small_rss, _ = case_memory(max(MEMORY_ROWS // 10, 1))
large_rss, large_seconds = case_memory(MEMORY_ROWS)
listed, list_calls, list_seconds = case_list(LIST_USERS)
audit_calls, audit_seconds, loop_calls, loop_seconds = case_audit()
(group_calls, group_seconds), (direct_calls, direct_seconds) = case_groups()
(sync_calls, sync_seconds), (moved_calls, moved_seconds) = case_sync(SYNC_USERS)
(across_calls, across_seconds), (one_calls, one_seconds) = case_accounts()

rate = lambda seconds: USERS / seconds
print()
print(f"{'case':<52}{'seconds':>9}{'users/s':>10}{'vs (a)':>9}")
for label, seconds in [
    ("(a) Boto3 loop, the same calls per user", loop),
    ("(b) iam-onboard batch, whole process, concurrency 4", batch),
    ("(c) emulator capacity: the fastest client here", capacity),
]:
    print(f"{label:<52}{seconds:>9.2f}{rate(seconds):>10.1f}{loop / seconds:>8.2f}x")
print(f"    (c) was reached by {capacity_by}; (b) is {batch and capacity / batch:.0%} of it")
print()
print(f"(d) one new-user with MFA enabled, whole process (median of 5):")
print(f"    iam-onboard {tool_one:.3f} s, Boto3 script {boto3_one:.3f} s: {boto3_one / tool_one:.2f}x")
print(f"(e) peak RSS of iam-onboard batch: {MEMORY_ROWS // 10} rows {small_rss:.1f} MiB, "
      f"{MEMORY_ROWS} rows {large_rss:.1f} MiB ({MEMORY_ROWS / large_seconds:.0f} rows/s)")
print(f"(f) list --all over {LIST_USERS} users: {listed} people listed with {list_calls} calls "
      f"in {list_seconds:.2f} s, whole process")
print(f"(g) audit of that account: {audit_calls} calls in {audit_seconds:.2f} s; a Boto3 loop asking "
      f"per user: {loop_calls} calls in {loop_seconds:.2f} s")
print(f"(h) assign, 2nd to 20th person, template sets of 100 accounts: through the group "
      f"{group_calls:.0f} calls {group_seconds:.2f} s a person; direct {direct_calls:.0f} calls "
      f"{direct_seconds:.2f} s a person")
print(f"(i) sync over {SYNC_USERS} managed people: nothing to change {sync_calls} calls in "
      f"{sync_seconds:.2f} s; {max(SYNC_USERS // 100, 1)} moved {moved_calls} calls in "
      f"{moved_seconds:.2f} s, whole process")
print(f"(j) audit --accounts over 10 accounts: {across_calls} calls in {across_seconds:.2f} s; "
      f"one of them: {one_calls} calls in {one_seconds:.2f} s, whole process")
