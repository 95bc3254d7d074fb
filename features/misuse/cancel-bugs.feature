@misuse
Feature: Cancel bugs: the cancel spin lock kept, completing with the cancel routine set, the cancel missed, the IRP never completed

  The classic mistakes of a driver with its own cancel routine, and how Windows ends each.
  A cancel routine is called holding the cancel spin lock and must release it
  (IoReleaseCancelSpinLock(Irp->CancelIrql)); one that does not leaves the lock taken, and the next
  IoAcquireCancelSpinLock spins at DISPATCH_LEVEL until the DPC watchdog bug-checks
  DPC_WATCHDOG_VIOLATION (0x133, parameter 1 = 1). A driver must clear the cancel routine
  (IoSetCancelRoutine(Irp, NULL)) before it completes an IRP: the free build does not check, and a
  cancel that reaches the completed IRP before its completion APC ran finds the stale routine:
  CANCEL_STATE_IN_COMPLETED_IRP (0x48: IRP, cancel routine); with I/O Verification the completion
  itself is DRIVER_VERIFIER_IOMANAGER_VIOLATION 0xC9/0x07 (cancel routine, IRP). A driver that sets
  a cancel routine after IoCancelIrp already ran must check Irp->Cancel and take the routine back;
  otherwise the cancel is lost. A completion that races a cancel must own the IRP first: only the
  one that gets a non-NULL routine back from IoSetCancelRoutine(Irp, NULL) may complete it, or the
  second completion is MULTIPLE_IRP_COMPLETE_REQUESTS (0x44). A cancel routine that does not
  complete the IRP leaves CancelIo waiting and the exiting thread waiting five minutes.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/kernel/synchronizing-irp-cancellation,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/cancel-routines,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/points-to-consider-when-canceling-irps,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x48--cancel-state-in-completed-irp,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x133-dpc-watchdog-violation,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc9--driver-verifier-iomanager-violation;
  ReactOS irp.c IoCancelIrp (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Echo.sys" with a device "\Device\Echo"
    And "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp                       |
      | IoMarkIrpPending(Irp)               |
      | IoSetCancelRoutine(Irp, "OnCancel") |
      | onCancel = Irp->CancelRoutine       |
      | return STATUS_PENDING               |
    And "Echo.sys" has a cancel routine "OnCancel":
      | IoReleaseCancelSpinLock(Irp->CancelIrql) |
      | Irp->IoStatus.Status = STATUS_CANCELLED  |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)  |
    And "app" opens "\Device\Echo" overlapped as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL

  @ddi:IoReleaseCancelSpinLock @ddi:IoAcquireCancelSpinLock
  Scenario: a cancel routine that forgets IoReleaseCancelSpinLock leaves the lock taken; the next cancel spins until 0x133
    Given "Echo.sys" has a cancel routine "OnCancel":
      | Irp->IoStatus.Status = STATUS_CANCELLED |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as first
    And "app" calls CancelIoEx(h, first) as c
    # NtCancelIoFileEx lowers back to its own IRQL: the thread returns to user mode, the lock stays taken.
    Then first->IoStatus.Status is STATUS_CANCELLED
    And CurrentIrql is PASSIVE_LEVEL
    And db(IopCancelSpinLock) is 1
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as second
    And "app" calls CancelIoEx(h, second) as c2
    Then the machine bug-checked with DPC_WATCHDOG_VIOLATION (1, 0x1E00, *, *)
    And the trace shows, in order:
      | IoAcquireCancelSpinLock spins on the spin lock |

  @ddi:IoAcquireCancelSpinLock
  Scenario: the same forgotten lock stops the machine when the thread exits with a request pending
    Given "Echo.sys" has a cancel routine "OnCancel":
      | Irp->IoStatus.Status = STATUS_CANCELLED |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as first
    And "app" calls CancelIoEx(h, first) as c
    And "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as second
    And "app" exits
    Then the machine bug-checked with DPC_WATCHDOG_VIOLATION (1, 0x1E00, *, *)

  @ddi:IoCompleteRequest @ddi:IoSetCancelRoutine
  Scenario: completed with its cancel routine still set (free build): the driver's own timeout cancel before the completion APC ran is 0x48
    Given "app" starts a thread "worker"
    When "worker" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    # The worker is not running: the completion's stage-2 APC waits for it, the IRP stays allocated.
    Given "app" is running on processor 0
    When "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    Then the machine is running
    And pending->CancelRoutine is onCancel
    And pending->CurrentLocation is pending->StackCount + 2
    # Its timer DPC, which cancels requests that took too long, still holds the pointer.
    When "Echo.sys" runs a DPC on processor 0:
      | IoCancelIrp(pending) |
    Then the machine bug-checked with CANCEL_STATE_IN_COMPLETED_IRP (pending, onCancel, 0, 0)

  @ddi:IoCompleteRequest @ddi:IoSetCancelRoutine
  Scenario: completed with its cancel routine still set, under I/O Verification: 0xC9/0x07 at the completion
    Given Driver Verifier is enabled for "Echo.sys" with standard settings
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    Then the machine bug-checked with DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x07, onCancel, pending, 0)

  @ddi:IoSetCancelRoutine
  Scenario: the same completion after IoSetCancelRoutine(Irp, NULL) is clean under I/O Verification
    Given Driver Verifier is enabled for "Echo.sys" with standard settings
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "Echo.sys" runs a DPC on processor 1:
      | if (IoSetCancelRoutine(pending, NULL) != NULL) { pending->IoStatus.Status = STATUS_SUCCESS; IoCompleteRequest(pending, IO_NO_INCREMENT) } |
    Then the machine is running
    And r->IoStatus.Status is STATUS_SUCCESS

  @ddi:IoSetCancelRoutine @ddi:IoCancelIrp
  Scenario Outline: a cancel routine set after IoCancelIrp ran: <driver>
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp         |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIoEx(h, NULL) as c
    Then c->ReturnValue is STATUS_SUCCESS
    And pending->Cancel is TRUE
    When "Echo.sys" runs a DPC on processor 1:
      | IoSetCancelRoutine(pending, "OnCancel") |
      | <check>                                 |
    Then r->IoStatus.Status is <status>

    Examples:
      | driver                                                                | check                                                                                                                          | status           |
      | checking Irp->Cancel and taking the routine back completes it         | if (pending->Cancel && IoSetCancelRoutine(pending, NULL) != NULL) { pending->IoStatus.Status = STATUS_CANCELLED; IoCompleteRequest(pending, IO_NO_INCREMENT) } | STATUS_CANCELLED |
      | not checking loses the cancel: the request stays pending              | checked = FALSE                                                                                                                | 0xCCCCCCCC       |

  @ddi:IoSetCancelRoutine
  Scenario: a completion racing the cancel that does not take the routine back completes the IRP a second time (0x44)
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIoEx(h, NULL) as c
    Then r->IoStatus.Status is STATUS_CANCELLED
    When "Echo.sys" runs a DPC on processor 1:
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    Then the machine bug-checked with MULTIPLE_IRP_COMPLETE_REQUESTS (pending, 0, 0, 0)

  @ddi:IoSetCancelRoutine
  Scenario: the racing completion that asks IoSetCancelRoutine(Irp, NULL) first leaves the IRP to the cancel routine
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIoEx(h, NULL) as c
    And "Echo.sys" runs a DPC on processor 1:
      | owned = IoSetCancelRoutine(pending, NULL) != NULL                    |
      | if (owned) IoCompleteRequest(pending, IO_NO_INCREMENT)               |
    Then the machine is running
    And owned is FALSE
    And r->IoStatus.Status is STATUS_CANCELLED

  Scenario: a cancel routine that does not complete the IRP: CancelIo keeps waiting, and the exiting thread waits five minutes
    Given "Echo.sys" has a cancel routine "OnCancel":
      | IoReleaseCancelSpinLock(Irp->CancelIrql) |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIo(h) as c
    Then c->Waiting is 1
    And r->IoStatus.Status is 0xCCCCCCCC
    And pending->Cancel is TRUE
    And pending->CancelRoutine is NULL
    And db(IopCancelSpinLock) is 0
    When InterruptTime is noted as t0
    And "app" exits
    Then the machine is running
    And InterruptTime - t0 is 3001000000
    And errorlog(0)->ErrorCode is 0x80040036
    And pending->Tail.Overlay.Thread is NULL
