@io
Feature: User APCs and alertable waits: ReadFileEx's completion routine, QueueUserAPC, SleepEx and the wait functions

  ReadFileEx passes the I/O manager an APC routine (kernel32's, which calls the caller's
  FileIOCompletionRoutine with RtlNtStatusToDosError of the status, the byte count and the
  OVERLAPPED). Stage 2 of completion queues it as a user APC to the requesting thread, in the
  IRP's own Tail.Apc, on KTHREAD.ApcState.ApcListHead[UserMode] -- when the request pended or its
  status is not an error, even when it completed at once. QueueUserAPC queues one too. A user APC
  runs only when its thread waits alertably: SleepEx, WaitForSingleObjectEx or
  GetOverlappedResultEx with bAlertable TRUE find it queued (or see it arrive while they block),
  set UserApcPending, and the wait ends with STATUS_USER_APC; every queued APC then runs, in
  order, in user mode at PASSIVE_LEVEL, before the call returns WAIT_IO_COMPLETION. A wait that is
  not alertable leaves the APCs queued, and an alertable wait on an object that is already
  signalled is satisfied by it first.
  Sources: https://learn.microsoft.com/windows/win32/sync/asynchronous-procedure-calls,
  https://learn.microsoft.com/windows/win32/fileio/alertable-i-o,
  https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-readfileex,
  https://learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-sleepex,
  https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-queueuserapc,
  https://github.com/reactos/reactos/blob/master/ntoskrnl/ke/apc.c,
  https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c (IopCompleteRequest),
  Wine's kernelbase ReadFileEx, SleepEx and GetOverlappedResultEx
  (https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/file.c,
  https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/sync.c) and Wine's ntoskrnl
  tests against Windows (https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/ntoskrnl.exe/tests/ntoskrnl.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Echo.sys" with a device "\Device\Echo" using DO_BUFFERED_IO
    And "Echo.sys" handles IRP_MJ_READ with:
      | if (IrpSp->Parameters.Read.Length == 2) { |
      |   Irp->IoStatus.Information = 2          |
      |   Irp->IoStatus.Status = nowStatus       |
      |   IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      |   return nowStatus                       |
      | }                                        |
      | pending = Irp                            |
      | IoMarkIrpPending(Irp)                    |
      | return STATUS_PENDING                    |
    And STATUS_SUCCESS is noted as nowStatus
    And 0 is noted as calls
    And "app" opens "\Device\Echo" overlapped as h
    And "app" prepares an OVERLAPPED as ov
    And "app" has a FileIOCompletionRoutine "OnRead":
      | calls++                            |
      | seenError = dwErrorCode            |
      | seenBytes = dwNumberOfBytesTransfered |
      | seenOverlapped = lpOverlapped      |
      | seenIrql = CurrentIrql             |
      | seenMode = ExGetPreviousMode()     |
      | seenThread = KeGetCurrentThread()  |

  @ddi:IoCompleteRequest
  Scenario: a ReadFileEx routine runs only in an alertable wait, in the requesting thread in user mode
    When "app" calls ReadFileEx(h, out, 0x10, &ov, OnRead) as r
    Then r->ReturnValue is STATUS_PENDING
    And r->Win32Result is TRUE
    When "Echo.sys" runs a DPC on processor 1:
      | RtlCopyMemory(pending->AssociatedIrp.SystemBuffer, "ANSWER", 6) |
      | pending->IoStatus.Information = 6                               |
      | pending->IoStatus.Status = STATUS_SUCCESS                       |
      | IoCompleteRequest(pending, IO_NO_INCREMENT)                     |
    And the driver calls me = KeGetCurrentThread()
    Then these hold:
      | expression                                    | value                        |
      | ov->Internal                                  | STATUS_SUCCESS               |
      | calls                                         | 0                            |
      | me->Tcb.ApcState.ApcListHead[1].Flink         | &pending->Tail.Apc.ApcListEntry |
      | pending->Tail.Apc.ApcMode                     | UserMode                     |
      | pending->Tail.Apc.NormalContext               | OnRead                       |
      | pending->Tail.Apc.SystemArgument1             | ov                           |
      | me->Tcb.ApcState.UserApcPending               | 0                            |
    When "app" calls WaitForSingleObjectEx(h, INFINITE, FALSE) as w
    Then w->ReturnValue is WAIT_OBJECT_0
    And calls is 0
    When "app" calls SleepEx(0, FALSE) as s
    Then s->ReturnValue is 0
    And calls is 0
    When "app" calls SleepEx(0, TRUE) as s2
    Then these hold:
      | expression                            | value                          |
      | s2->ReturnValue                       | WAIT_IO_COMPLETION             |
      | calls                                 | 1                              |
      | seenError                             | ERROR_SUCCESS                  |
      | seenBytes                             | 6                              |
      | seenOverlapped                        | ov                             |
      | seenIrql                              | PASSIVE_LEVEL                  |
      | seenMode                              | UserMode                       |
      | seenThread                            | me                             |
      | me->Tcb.ApcState.ApcListHead[1].Flink | &me->Tcb.ApcState.ApcListHead[1] |
      | me->Tcb.ApcState.UserApcPending       | 0                              |
      | pool(pending)->OnLookasideList        | 1                              |
    And "app" reads "ANSWER" at out

  @ddi:IoCompleteRequest
  Scenario: a ReadFileEx that completes at once still queues its routine; the next alertable wait runs it
    When "app" calls ReadFileEx(h, out, 2, &ov, OnRead) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And r->Win32Result is TRUE
    And calls is 0
    When "app" calls SleepEx(0, TRUE) as s
    Then s->ReturnValue is WAIT_IO_COMPLETION
    And calls is 1
    And seenBytes is 2

  @ddi:IoCompleteRequest
  Scenario: a ReadFileEx that fails at once queues nothing: FALSE with its error, and an alertable wait runs no routine
    Given STATUS_INVALID_DEVICE_REQUEST is noted as nowStatus
    When "app" calls ReadFileEx(h, out, 2, &ov, OnRead) as r
    Then r->Win32Result is FALSE
    And r->LastError is ERROR_INVALID_FUNCTION
    When "app" calls SleepEx(0, TRUE) as s
    Then s->ReturnValue is 0
    And calls is 0

  @ddi:IoCompleteRequest
  Scenario: a request that pends and then fails still runs its routine, with the error
    When "app" calls ReadFileEx(h, out, 0x10, &ov, OnRead) as r
    And "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_CANCELLED |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    And "app" calls SleepEx(0, TRUE) as s
    Then s->ReturnValue is WAIT_IO_COMPLETION
    And seenError is ERROR_OPERATION_ABORTED
    And seenBytes is 0

  @ddi:IoCompleteRequest
  Scenario: SleepEx(INFINITE, TRUE) while the device finishes the request: the routine runs and the sleep ends
    Given "Echo.sys"'s device interrupts for each request the driver pends, with a DPC on processor 1:
      | Irp->IoStatus.Information = 3           |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
    When "app" calls ReadFileEx(h, out, 0x10, &ov, OnRead) as r
    And "app" calls SleepEx(INFINITE, TRUE) as s
    Then s->ReturnValue is WAIT_IO_COMPLETION
    And calls is 1
    And seenBytes is 3

  Scenario: QueueUserAPC, then SleepEx(INFINITE, TRUE): the APC runs with its parameter and the sleep returns WAIT_IO_COMPLETION
    Given "app" has an APCProc "OnApc":
      | calls++           |
      | seenParameter = Parameter |
    When "app" calls QueueUserAPC(OnApc, GetCurrentThread(), 0x2A) as q
    And the driver calls me = KeGetCurrentThread()
    And the driver calls apc = CONTAINING_RECORD(me->Tcb.ApcState.ApcListHead[1].Flink, KAPC, ApcListEntry)
    Then these hold:
      | expression            | value    |
      | q->Win32Result        | TRUE     |
      | apc->NormalContext    | OnApc    |
      | apc->SystemArgument1  | 0x2A     |
      | apc->ApcMode          | UserMode |
      | pool(apc)->Tag        | 'pasP'   |
      | calls                 | 0        |
    When "app" calls SleepEx(INFINITE, TRUE) as s
    Then these hold:
      | expression       | value              |
      | s->ReturnValue   | WAIT_IO_COMPLETION |
      | calls            | 1                  |
      | seenParameter    | 0x2A               |
      | pool(apc)->Freed | 1                  |

  Scenario: queued user APCs all run, in the order they were queued, before the wait returns
    Given 0 is noted as order
    And "app" has an APCProc "Record":
      | order = order * 10 + Parameter |
    When "app" calls QueueUserAPC(Record, GetCurrentThread(), 1) as q1
    And "app" calls QueueUserAPC(Record, GetCurrentThread(), 2) as q2
    And "app" calls QueueUserAPC(Record, GetCurrentThread(), 3) as q3
    And "app" calls SleepEx(0, TRUE) as s
    Then s->ReturnValue is WAIT_IO_COMPLETION
    And order is 123

  Scenario: an alertable wait on an event that is already signalled is satisfied by it and leaves the APC queued
    Given "app" has an APCProc "OnApc":
      | calls++ |
    And "app" creates an event as ev
    When "app" calls QueueUserAPC(OnApc, GetCurrentThread(), 1) as q
    And the driver calls KeSetEvent(ev, IO_NO_INCREMENT, FALSE)
    And "app" calls WaitForSingleObjectEx(ev, INFINITE, TRUE) as w
    Then w->ReturnValue is WAIT_OBJECT_0
    And calls is 0
    When "app" calls WaitForSingleObjectEx(ev, 0, TRUE) as w2
    Then w2->ReturnValue is WAIT_OBJECT_0
    When the driver calls KeResetEvent(ev)
    And "app" calls WaitForSingleObjectEx(ev, 0, TRUE) as w3
    Then w3->ReturnValue is WAIT_IO_COMPLETION
    And calls is 1
    When "app" calls WaitForSingleObjectEx(ev, 0, TRUE) as w4
    Then w4->ReturnValue is WAIT_TIMEOUT

  Scenario: a non-alertable SleepEx(INFINITE, FALSE) with an APC queued sleeps for ever and leaves it queued
    Given "app" has an APCProc "OnApc":
      | calls++ |
    When "app" calls QueueUserAPC(OnApc, GetCurrentThread(), 1) as q
    And "app" calls SleepEx(INFINITE, FALSE) as s
    Then the current thread hung in KeDelayExecutionThread
    And calls is 0

  @ddi:IoCompleteRequest
  Scenario: GetOverlappedResultEx alertable: an APC ends the wait, FALSE with WAIT_IO_COMPLETION; a later call gets the result
    Given "app" has an APCProc "OnApc":
      | calls++ |
    And "app" creates an event as ev
    And "app" prepares an OVERLAPPED as ov2 with event ev
    When "app" calls ReadFile(h, out, 0x10, &ov2) as r
    And "app" calls QueueUserAPC(OnApc, GetCurrentThread(), 1) as q
    And "app" calls GetOverlappedResultEx(h, &ov2, INFINITE, TRUE) as g
    Then these hold:
      | expression     | value              |
      | g->Win32Result | FALSE              |
      | g->LastError   | WAIT_IO_COMPLETION |
      | calls          | 1                  |
    When "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Information = 5           |
      | pending->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    And "app" calls GetOverlappedResultEx(h, &ov2, 0, TRUE) as g2
    Then g2->Win32Result is TRUE
    And g2->BytesTransferred is 5

  Scenario: GetOverlappedResultEx with a timeout that expires: FALSE, WAIT_TIMEOUT
    Given "app" creates an event as ev
    And "app" prepares an OVERLAPPED as ov2 with event ev
    When "app" calls ReadFile(h, out, 0x10, &ov2) as r
    And "app" calls GetOverlappedResultEx(h, &ov2, 100, FALSE) as g
    Then g->Win32Result is FALSE
    And g->LastError is WAIT_TIMEOUT
    And InterruptTime is 1000000

  Scenario: a handle bound to a completion port takes no ReadFileEx routine: ERROR_INVALID_PARAMETER before any IRP
    When "app" calls CreateIoCompletionPort(h, NULL, 1, 0) as port
    And "app" calls ReadFileEx(h, out, 0x10, &ov, OnRead) as r
    Then r->Win32Result is FALSE
    And r->LastError is ERROR_INVALID_PARAMETER
    And r->Irp is NULL

  Scenario: ReadFileEx without an OVERLAPPED fails: ERROR_INVALID_PARAMETER
    When "app" calls ReadFileEx(h, out, 0x10, NULL, OnRead) as r
    Then r->Win32Result is FALSE
    And r->LastError is ERROR_INVALID_PARAMETER

  @ddi:KeWaitForSingleObject
  Scenario: a dispatch routine that waits alertably in UserMode gets STATUS_USER_APC; the APC runs as the service returns
    Given "app" has an APCProc "OnApc":
      | calls++ |
    And "Echo.sys" handles IRP_MJ_WRITE with:
      | ev = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(KEVENT), 'tvEK')    |
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                       |
      | waited = KeWaitForSingleObject(ev, UserRequest, UserMode, TRUE, NULL) |
      | callsDuringWait = calls                                               |
      | Irp->IoStatus.Status = waited                                         |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                               |
      | return waited                                                         |
    When "app" calls QueueUserAPC(OnApc, GetCurrentThread(), 1) as q
    And "app" calls WriteFile(h, out, 4) as r
    Then these hold:
      | expression      | value           |
      | waited          | STATUS_USER_APC |
      | callsDuringWait | 0               |
      | calls           | 1               |
      | r->ReturnValue  | STATUS_USER_APC |

  Scenario: an APC queued to another thread runs in that thread's alertable wait, not in the caller's
    Given "app" starts a thread "worker"
    And "app" has an APCProc "OnApc":
      | calls++                      |
      | ranIn = KeGetCurrentThread() |
    When "app" calls QueueUserAPC(OnApc, worker, 1) as q
    And "app" calls SleepEx(0, TRUE) as s
    Then s->ReturnValue is 0
    And calls is 0
    When "worker" calls SleepEx(0, TRUE) as s2
    And the driver calls workerThread = KeGetCurrentThread()
    Then s2->ReturnValue is WAIT_IO_COMPLETION
    And calls is 1
    And ranIn is workerThread

  Scenario: an APC routine that faults: nothing in user mode handles it, so the process ends with the exception
    # kernel32's UnhandledExceptionFilter ends the process with the exception's code; the wait the
    # thread was in never returns to it
    # (https://learn.microsoft.com/windows/win32/api/errhandlingapi/nf-errhandlingapi-unhandledexceptionfilter).
    Given "app" has an APCProc "Faulty":
      | x = *(PULONG)0 |
    When "app" calls QueueUserAPC(Faulty, GetCurrentThread(), 5) as q
    And "app" calls SleepEx(0, TRUE) as s
    Then "app" caught STATUS_ACCESS_VIOLATION
    And the trace shows, in order:
      | unhandled STATUS_ACCESS_VIOLATION in user mode |
      | process exit app                               |
    And the machine is running
