@io
Feature: I/O completion ports: the packet a completed request leaves on the port, and what GetQueuedCompletionStatus returns

  A completion port is a kernel queue (KQUEUE) in nonpaged pool; CreateIoCompletionPort creates
  one and associates an overlapped file handle with it through FILE_OBJECT.CompletionContext
  (Port, Key). When a request on that file completes, stage 2 of completion (IopCompleteRequest,
  in the requesting thread) queues the IRP itself as the completion packet: Tail.CompletionKey is
  the key, and &Irp->Tail.Overlay.ListEntry goes on the queue's EntryListHead -- if the request
  pended or its status is not an error, and the ApcContext (the OVERLAPPED kernel32 passed) is not
  NULL. GetQueuedCompletionStatus (NtRemoveIoCompletion) takes the first packet and frees the IRP:
  TRUE with the byte count, the key and the OVERLAPPED when the packet's status is NT_SUCCESS,
  FALSE with RtlNtStatusToDosError of it otherwise; with nothing queued and a timeout of 0 it
  returns FALSE, WAIT_TIMEOUT and a NULL OVERLAPPED. With FILE_SKIP_COMPLETION_PORT_ON_SUCCESS a
  request that completes at once with NT_SUCCESS queues no packet, while a pending one still
  does; Windows 8 and later still queue one for a non-pending warning, where Wine's server (like
  Windows 7) queues none -- the machine does what Windows 10/11 do.
  Sources: https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iocomp.c (NtRemoveIoCompletion,
  NtSetIoCompletion), https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c (IopCompleteRequest),
  https://learn.microsoft.com/windows/win32/api/ioapiset/nf-ioapiset-getqueuedcompletionstatus,
  https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes,
  Wine's kernelbase GetQueuedCompletionStatus and CreateIoCompletionPort
  (https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/sync.c), Wine's ntoskrnl tests
  run against Windows (https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/ntoskrnl.exe/tests/ntoskrnl.c,
  do_return_status) and Wine's server (https://gitlab.winehq.org/wine/wine/-/blob/master/server/async.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL_PEND
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL_NOW
    And a driver "Echo.sys" with a device "\Device\Echo"
    And "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | if (IrpSp->Parameters.DeviceIoControl.IoControlCode == IOCTL_NOW) { |
      |   Irp->IoStatus.Information = 2                                    |
      |   Irp->IoStatus.Status = nowStatus                                 |
      |   IoCompleteRequest(Irp, IO_NO_INCREMENT)                          |
      |   return nowStatus                                                 |
      | }                                                                  |
      | pending = Irp                                                      |
      | IoMarkIrpPending(Irp)                                              |
      | return STATUS_PENDING                                              |
    And STATUS_SUCCESS is noted as nowStatus
    And "app" opens "\Device\Echo" overlapped as h
    And "app" creates an event as ev
    And "app" prepares an OVERLAPPED as ov with event ev

  @ddi:IoCompleteRequest
  Scenario: a request pended and completed from a DPC lands on the port with the key and the byte count
    When "app" calls CreateIoCompletionPort(h, NULL, 0x77, 0) as port
    And "app" calls DeviceIoControl(h, IOCTL_PEND, in, 8, out, 0x10, &ov) as r
    Then these hold:
      | expression                        | value            |
      | r->LastError                      | ERROR_IO_PENDING |
      | port->Header.Type                 | 4                |
      | port->Header.SignalState          | 0                |
      | port->MaximumCount                | 2                |
      | h->CompletionContext->Port        | port             |
      | h->CompletionContext->Key         | 0x77             |
    When "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Information = 6         |
      | pending->IoStatus.Status = STATUS_SUCCESS |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    Then these hold:
      | expression                            | value                             |
      | port->Header.SignalState              | 1                                 |
      | port->EntryListHead.Flink             | &pending->Tail.Overlay.ListEntry  |
      | pending->Tail.CompletionKey           | 0x77                              |
      | pending->Tail.Overlay.PacketType      | 0                                 |
      | ov->Internal                          | STATUS_SUCCESS                    |
      | ev->Header.SignalState                | 1                                 |
    When "app" calls GetQueuedCompletionStatus(port, 0) as q
    Then these hold:
      | expression                     | value |
      | q->Win32Result                 | TRUE  |
      | q->NumberOfBytesTransferred    | 6     |
      | q->CompletionKey               | 0x77  |
      | q->Overlapped                  | ov    |
      | port->Header.SignalState       | 0     |
      | port->EntryListHead.Flink      | &port->EntryListHead |
      | port->CurrentCount             | 1     |
      | pool(pending)->OnLookasideList | 1     |

  @ddi:IoCompleteRequest
  Scenario: a failed request that pended dequeues as FALSE with its error and its OVERLAPPED
    When "app" calls CreateIoCompletionPort(h, NULL, 5, 0) as port
    And "app" calls DeviceIoControl(h, IOCTL_PEND, in, 8, out, 0x10, &ov) as r
    And "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_INVALID_PARAMETER |
      | IoCompleteRequest(pending, IO_NO_INCREMENT)         |
    And "app" calls GetQueuedCompletionStatus(port, INFINITE) as q
    Then these hold:
      | expression                  | value                   |
      | q->Win32Result              | FALSE                   |
      | q->LastError                | ERROR_INVALID_PARAMETER |
      | q->Overlapped               | ov                      |
      | q->CompletionKey            | 5                       |
      | q->NumberOfBytesTransferred | 0                       |

  @ddi:IoCompleteRequest
  Scenario: a request that fails at once queues nothing: a 0 timeout is FALSE, WAIT_TIMEOUT and a NULL OVERLAPPED
    Given STATUS_INVALID_DEVICE_REQUEST is noted as nowStatus
    When "app" calls CreateIoCompletionPort(h, NULL, 5, 0) as port
    And "app" calls DeviceIoControl(h, IOCTL_NOW, in, 8, out, 0x10, &ov) as r
    Then r->LastError is ERROR_INVALID_FUNCTION
    And port->Header.SignalState is 0
    When "app" calls GetQueuedCompletionStatus(port, 0) as q
    Then these hold:
      | expression     | value        |
      | q->Win32Result | FALSE        |
      | q->LastError   | WAIT_TIMEOUT |
      | q->Overlapped  | NULL         |

  Scenario: GetQueuedCompletionStatus with INFINITE and nothing that will ever come: the thread waits for ever
    When "app" calls CreateIoCompletionPort(h, NULL, 5, 0) as port
    And "app" calls DeviceIoControl(h, IOCTL_PEND, in, 8, out, 0x10, &ov) as r
    And "app" calls GetQueuedCompletionStatus(port, INFINITE) as q
    Then the current thread hung in KeRemoveQueue

  @ddi:IoCompleteRequest
  Scenario: GetQueuedCompletionStatus with INFINITE while the device finishes the request: the wait lets it, then TRUE
    Given "Echo.sys"'s device interrupts for each request the driver pends, with a DPC on processor 1:
      | Irp->IoStatus.Information = 3           |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
    When "app" calls CreateIoCompletionPort(h, NULL, 0x99, 0) as port
    And "app" calls DeviceIoControl(h, IOCTL_PEND, in, 8, out, 0x10, &ov) as r
    Then port->Header.SignalState is 0
    When "app" calls GetQueuedCompletionStatus(port, INFINITE) as q
    Then these hold:
      | expression                  | value |
      | q->Win32Result              | TRUE  |
      | q->NumberOfBytesTransferred | 3     |
      | q->CompletionKey            | 0x99  |
      | q->Overlapped               | ov    |

  Scenario: PostQueuedCompletionStatus queues a mini packet with what the caller gave
    When "app" calls CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1) as port
    And "app" calls PostQueuedCompletionStatus(port, 5, 9, 0x1234) as p
    Then these hold:
      | expression                                                                  | value |
      | p->Win32Result                                                              | TRUE  |
      | port->MaximumCount                                                          | 1     |
      | port->Header.SignalState                                                    | 1     |
      | ((PIOP_MINI_COMPLETION_PACKET)port->EntryListHead.Flink)->PacketType        | 1     |
      | ((PIOP_MINI_COMPLETION_PACKET)port->EntryListHead.Flink)->KeyContext        | 9     |
      | ((PIOP_MINI_COMPLETION_PACKET)port->EntryListHead.Flink)->IoStatusInformation | 5   |
    When "app" calls GetQueuedCompletionStatus(port, 0) as q
    Then these hold:
      | expression                  | value  |
      | q->Win32Result              | TRUE   |
      | q->NumberOfBytesTransferred | 5      |
      | q->CompletionKey            | 9      |
      | q->Overlapped               | 0x1234 |
      | port->Header.SignalState    | 0      |

  @ddi:IoCompleteRequest
  Scenario: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: a synchronous success queues nothing, a pending request still does
    When "app" calls CreateIoCompletionPort(h, NULL, 5, 0) as port
    And "app" calls SetFileCompletionNotificationModes(h, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) as s
    Then s->Win32Result is TRUE
    And h->Flags & FO_SKIP_COMPLETION_PORT is FO_SKIP_COMPLETION_PORT
    When "app" calls DeviceIoControl(h, IOCTL_NOW, in, 8, out, 0x10, &ov) as r
    Then r->Win32Result is TRUE
    And ov->InternalHigh is 2
    And ev->Header.SignalState is 1
    When "app" calls GetQueuedCompletionStatus(port, 0) as q
    Then q->LastError is WAIT_TIMEOUT
    And q->Overlapped is NULL
    When "app" calls DeviceIoControl(h, IOCTL_PEND, in, 8, out, 0x10, &ov) as r2
    And "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Information = 4           |
      | pending->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    And "app" calls GetQueuedCompletionStatus(port, 0) as q2
    Then q2->Win32Result is TRUE
    And q2->NumberOfBytesTransferred is 4

  @ddi:IoCompleteRequest
  Scenario: Windows 8+ and Wine disagree: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS still queues a non-pending warning on Windows
    # Wine's ntoskrnl test accepts both: Windows < 8 skips every non-error, Windows >= 8 only NT_SUCCESS;
    # Wine's server skips any non-pending completion. The machine models Windows 10/11.
    Given STATUS_BUFFER_OVERFLOW is noted as nowStatus
    When "app" calls CreateIoCompletionPort(h, NULL, 5, 0) as port
    And "app" calls SetFileCompletionNotificationModes(h, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) as s
    And "app" calls DeviceIoControl(h, IOCTL_NOW, in, 8, out, 0x10, &ov) as r
    Then r->LastError is ERROR_MORE_DATA
    And port->Header.SignalState is 1
    When "app" calls GetQueuedCompletionStatus(port, 0) as q
    Then these hold:
      | expression                  | value           |
      | q->Win32Result              | FALSE           |
      | q->LastError                | ERROR_MORE_DATA |
      | q->NumberOfBytesTransferred | 2               |
      | q->Overlapped               | ov              |

  @ddi:IoCompleteRequest
  Scenario: an OVERLAPPED whose hEvent has its low bit set passes no ApcContext: the request completes without a packet
    When "app" calls CreateIoCompletionPort(h, NULL, 5, 0) as port
    And the driver calls ov->hEvent = (ULONG_PTR)ev | 1
    And "app" calls DeviceIoControl(h, IOCTL_NOW, in, 8, out, 0x10, &ov) as r
    Then r->Win32Result is TRUE
    And ev->Header.SignalState is 1
    And port->Header.SignalState is 0

  Scenario: a handle opened without FILE_FLAG_OVERLAPPED cannot be associated with a port
    Given "app" opens "\Device\Echo" as sync
    When "app" calls CreateIoCompletionPort(sync, NULL, 5, 0) as port
    Then port->ReturnValue is NULL
    And port->LastError is ERROR_INVALID_PARAMETER
    And sync->CompletionContext is NULL

  Scenario: a file handle is associated with one port only
    When "app" calls CreateIoCompletionPort(h, NULL, 5, 0) as port
    And "app" calls CreateIoCompletionPort(h, NULL, 6, 0) as port2
    Then port2->Win32Result is FALSE
    And port2->LastError is ERROR_INVALID_PARAMETER
    And h->CompletionContext->Key is 5

  Scenario: SetFileCompletionNotificationModes with a flag it does not know fails
    When "app" calls SetFileCompletionNotificationModes(h, 0x10) as s
    Then s->Win32Result is FALSE
    And s->LastError is ERROR_INVALID_PARAMETER
