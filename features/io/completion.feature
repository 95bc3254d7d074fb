@io @ddi:IoCompleteRequest
Feature: IoCompleteRequest: completion routines upward, pending, and the requester's APC

  Stage 1 walks the stack locations upward from the completing driver: a completion routine runs
  when its invoke-on flag matches the status (success, error, cancel); STATUS_MORE_PROCESSING_REQUIRED
  stops the walk and a later IoCompleteRequest resumes above it; SL_PENDING_RETURNED propagates
  upward where no routine runs. Then every MDL is unlocked, and stage 2 runs as a special kernel
  APC in the requester's thread. Completing an IRP twice bug-checks 0x44.
  Sources: ReactOS irp.c IofCompleteRequest / IopCompleteRequest (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c);
  MS "Implementing an IoCompletion Routine", IoMarkIrpPending (https://learn.microsoft.com/windows-hardware/drivers/kernel/implementing-an-iocompletion-routine);
  MS bug check 0x44 MULTIPLE_IRP_COMPLETE_REQUESTS.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Low.sys" with a device "\Device\Low"
    And a filter driver "Up.sys" attached to "\Device\Low"
    And "Up.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | IoCopyCurrentIrpStackLocationToNext(Irp)                  |
      | IoSetCompletionRoutine(Irp, "Seen", NULL, TRUE, TRUE, TRUE) |
      | return IoCallDriver(LowerDevice, Irp)                     |
    And "Up.sys" has a completion routine "Seen":
      | seenIrql = CurrentIrql                          |
      | seenProcess = CurrentProcess                    |
      | seenStatus = Irp->IoStatus.Status               |
      | seenPending = Irp->PendingReturned              |
      | if (Irp->PendingReturned) IoMarkIrpPending(Irp) |
      | return STATUS_CONTINUE_COMPLETION               |
    And "app" opens "\Device\Low" as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL
    # A value no completion status takes (STATUS_SUCCESS is 0): "seen" only when the routine ran.
    And 0xBAADF00D is noted as seenStatus

  Scenario: completed at once, dispatch and the filter's routine run in the requester's thread at PASSIVE_LEVEL
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | dispatchIrql = CurrentIrql              |
      | dispatchProcess = CurrentProcess        |
      | requester = Irp->Tail.Overlay.Thread    |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And dispatchIrql is PASSIVE_LEVEL
    And dispatchProcess is app
    And requester->Tcb.Process is app
    And seenIrql is PASSIVE_LEVEL
    And seenProcess is app
    And seenPending is 0
    And the trace shows, in order:
      | IoCallDriver IRP_MJ_DEVICE_CONTROL              |
      | IoCompleteRequest                               |
      | completion routine Seen of Up.sys at PASSIVE_LEVEL |
      | APC IopCompleteRequest queued                   |
      | IopCompleteRequest stage 2                      |

  Scenario Outline: the routine runs for <status> only when asked to (success <s>, error <e>, cancel <c>, Irp->Cancel <cancel>)
    Given "Up.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | IoCopyCurrentIrpStackLocationToNext(Irp)                 |
      | IoSetCompletionRoutine(Irp, "Seen", NULL, <s>, <e>, <c>) |
      | return IoCallDriver(LowerDevice, Irp)                    |
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->Cancel = <cancel>                  |
      | Irp->IoStatus.Status = <status>         |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return <status>                         |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->ReturnValue is <status>
    And seenStatus is <seen>

    Examples:
      | status                   | s     | e     | c     | cancel | seen                     |
      | STATUS_SUCCESS           | TRUE  | FALSE | FALSE | FALSE  | STATUS_SUCCESS           |
      | STATUS_SUCCESS           | FALSE | TRUE  | FALSE | FALSE  | 0xBAADF00D               |
      | STATUS_INVALID_PARAMETER | TRUE  | FALSE | FALSE | FALSE  | 0xBAADF00D               |
      | STATUS_INVALID_PARAMETER | FALSE | TRUE  | FALSE | FALSE  | STATUS_INVALID_PARAMETER |
      | STATUS_BUFFER_OVERFLOW   | FALSE | TRUE  | FALSE | FALSE  | STATUS_BUFFER_OVERFLOW   |
      | STATUS_CANCELLED         | FALSE | FALSE | TRUE  | TRUE   | STATUS_CANCELLED         |
      | STATUS_CANCELLED         | FALSE | FALSE | TRUE  | FALSE  | 0xBAADF00D               |

  Scenario Outline: what the caller sees of a pending request completed with <status> on a <kind> handle
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp         |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    And "app" opens "\Device\Low" <open>
    When "app" calls DeviceIoControl(hx, IOCTL, in, 8, out, 8) as r
    And "Low.sys" runs:
      | pending->IoStatus.Status = <status>         |
      | pending->IoStatus.Information = 8           |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    Then r->ReturnValue is <returned>
    And r->IoStatus.Status is <iosb>

    Examples:
      | kind        | open             | status                   | returned                 | iosb                     |
      | synchronous | as hx            | STATUS_SUCCESS           | STATUS_SUCCESS           | STATUS_SUCCESS           |
      | synchronous | as hx            | STATUS_INVALID_PARAMETER | STATUS_INVALID_PARAMETER | 0xCCCCCCCC               |
      | overlapped  | overlapped as hx | STATUS_SUCCESS           | STATUS_PENDING           | STATUS_SUCCESS           |
      | overlapped  | overlapped as hx | STATUS_INVALID_PARAMETER | STATUS_PENDING           | STATUS_INVALID_PARAMETER |

  Scenario: pended and completed from a DPC on another processor, the routine runs at DISPATCH_LEVEL in another process
    Given a user process "other"
    And "other" is running on processor 1
    And "app" is running on processor 0
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp         |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->Waiting is 1
    When "Low.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_SUCCESS   |
      | pending->IoStatus.Information = 8           |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    Then seenIrql is DISPATCH_LEVEL
    And seenProcess is other
    And seenPending is 1
    And r->Waiting is 0
    And r->ReturnValue is STATUS_SUCCESS
    And r->IoStatus.Information is 8
    And the trace shows, in order:
      | completion routine Seen of Up.sys at DISPATCH_LEVEL |
      | APC IopCompleteRequest queued                       |
      | APC interrupt: IopCompleteRequest                   |
      | IopCompleteRequest stage 2                          |

  Scenario: a routine that returns STATUS_MORE_PROCESSING_REQUIRED stops completion; its IoCompleteRequest finishes it
    Given "Up.sys" has a completion routine "Seen":
      | held = Irp                             |
      | return STATUS_MORE_PROCESSING_REQUIRED |
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Low" overlapped as ho
    When "app" calls DeviceIoControl(ho, IOCTL, in, 8, out, 8) as r
    Then r->IoStatus.Status is 0xCCCCCCCC
    And held->CurrentLocation is 2
    When "Up.sys" runs:
      | IoCompleteRequest(held, IO_NO_INCREMENT) |
    Then r->IoStatus.Status is STATUS_SUCCESS

  Scenario: completing the same IRP twice bug-checks MULTIPLE_IRP_COMPLETE_REQUESTS
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | irp = Irp                               |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with MULTIPLE_IRP_COMPLETE_REQUESTS (irp, 0, 0, 0)

  Scenario: an IOCTL that needs write access fails on a handle opened for reading, before any IRP
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | reached = 1                             |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And 0 is noted as reached
    And "app" opens "\Device\Low" for FILE_READ_DATA as hr
    When "app" calls DeviceIoControl(hr, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_WRITE_ACCESS), in, 8, out, 8) as r
    Then r->ReturnValue is STATUS_ACCESS_DENIED
    And reached is 0
    When "app" calls DeviceIoControl(hr, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS), in, 8, out, 8) as r2
    Then r2->ReturnValue is STATUS_SUCCESS
    And reached is 1

  Scenario: passing an IRP on from the bottom of its stack bug-checks NO_MORE_IRP_STACK_LOCATIONS
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | irp = Irp                              |
      | return IoCallDriver(DeviceObject, Irp) |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with NO_MORE_IRP_STACK_LOCATIONS (irp, 0, 0, 0)
