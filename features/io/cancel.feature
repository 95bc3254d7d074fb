@io
Feature: Cancelling IRPs: IoCancelIrp, CancelIo and CancelIoEx, thread exit, handle close

  IoCancelIrp takes the cancel spin lock, sets Irp->Cancel and exchanges the cancel routine with
  NULL; with no routine it releases the lock and returns FALSE, otherwise it calls the routine at
  DISPATCH_LEVEL holding the lock, with Irp->CancelIrql the IRQL to release it to. CancelIo
  (NtCancelIoFile) cancels the calling thread's requests for the handle and waits for them;
  CancelIoEx cancels those of every thread of the process, or the one whose OVERLAPPED it names,
  and does not wait. When a thread exits, the I/O manager cancels its IRPs and waits; an IRP not
  completed within five minutes is disassociated from the thread and an error is logged for its
  device. Closing the last handle sends IRP_MJ_CLEANUP: the driver completes what it queued for
  that file object, the I/O manager cancels nothing itself.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocancelirp,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/canceling-irps,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/cancel-routines,
  https://learn.microsoft.com/windows/win32/fileio/cancelio, https://learn.microsoft.com/windows/win32/fileio/cancelioex-func,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/dispatchcleanup-routines;
  ReactOS irp.c IoCancelIrp / IoCancelThreadIo / IopDisassociateThreadIrp and iofunc.c NtCancelIoFile
  (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c,
  https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iofunc.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Echo.sys" with a device "\Device\Echo"
    And "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp                       |
      | requestFile = IrpSp->FileObject     |
      | IoMarkIrpPending(Irp)               |
      | IoSetCancelRoutine(Irp, "OnCancel") |
      | return STATUS_PENDING               |
    And "Echo.sys" has a cancel routine "OnCancel":
      | cancelIrql = CurrentIrql                  |
      | sawCancel = Irp->Cancel                   |
      | releaseTo = Irp->CancelIrql               |
      | routineThen = Irp->CancelRoutine          |
      | IoReleaseCancelSpinLock(Irp->CancelIrql)  |
      | Irp->IoStatus.Status = STATUS_CANCELLED   |
      | Irp->IoStatus.Information = 0             |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)   |
    And "app" opens "\Device\Echo" overlapped as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL

  @ddi:IoCancelIrp @ddi:IoSetCancelRoutine @ddi:IoReleaseCancelSpinLock
  Scenario: CancelIoEx: the cancel routine runs at DISPATCH_LEVEL holding the lock, and the request ends STATUS_CANCELLED
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->ReturnValue is STATUS_PENDING
    And r->IoStatus.Status is 0xCCCCCCCC
    When "app" calls CancelIoEx(h, NULL) as c
    Then c->ReturnValue is STATUS_SUCCESS
    And c->Cancelled is 1
    And these hold:
      | expression  | value          |
      | cancelIrql  | DISPATCH_LEVEL |
      | sawCancel   | TRUE           |
      | releaseTo   | APC_LEVEL      |
      | routineThen | NULL           |
    And r->IoStatus.Status is STATUS_CANCELLED
    And r->IoStatus.Information is 0
    And CurrentIrql is PASSIVE_LEVEL
    And db(IopCancelSpinLock) is 0
    And the trace shows, in order:
      | NtCancelIoFileEx                                   |
      | cancel routine Echo.sys!OnCancel at DISPATCH_LEVEL |
      | IoReleaseCancelSpinLock(APC_LEVEL)              |
      | IopCompleteRequest stage 2                      |

  Scenario: CancelIoEx when nothing is pending returns STATUS_NOT_FOUND (ERROR_NOT_FOUND)
    When "app" calls CancelIoEx(h, NULL) as c
    Then c->ReturnValue is STATUS_NOT_FOUND
    And c->Cancelled is 0

  Scenario: CancelIoEx with an OVERLAPPED cancels that request only
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as first
    And "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as second
    And "app" calls CancelIoEx(h, second) as c
    Then c->Cancelled is 1
    And second->IoStatus.Status is STATUS_CANCELLED
    And first->IoStatus.Status is 0xCCCCCCCC

  Scenario: CancelIo cancels the calling thread's requests only; CancelIoEx those of every thread of the process
    Given "app" starts a thread "worker"
    When "worker" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIo(h) as mine
    Then mine->ReturnValue is STATUS_SUCCESS
    And mine->Cancelled is 0
    And r->IoStatus.Status is 0xCCCCCCCC
    # Stage 2 of the completion runs in the requesting thread: it must run somewhere.
    Given "worker" is running on processor 1
    When "app" calls CancelIoEx(h, NULL) as all
    Then all->Cancelled is 1
    And r->IoStatus.Status is STATUS_CANCELLED

  @ddi:IoCancelIrp
  Scenario: IoCancelIrp on an IRP without a cancel routine sets Irp->Cancel and returns FALSE
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp         |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And the driver calls:
      | result = IoCancelIrp(pending) |
    Then result is FALSE
    And pending->Cancel is TRUE
    And CurrentIrql is PASSIVE_LEVEL
    And db(IopCancelSpinLock) is 0
    And r->IoStatus.Status is 0xCCCCCCCC

  @ddi:IoCancelIrp
  Scenario: a thread that exits cancels its pending IRPs, and the cancel routine completes them at once
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And InterruptTime is noted as t0
    And "app" exits
    Then the machine is running
    And cancelIrql is DISPATCH_LEVEL
    And InterruptTime is t0
    And ErrorLogEntries is 0
    And the trace shows, in order:
      | IoCancelThreadIo                                   |
      | cancel routine Echo.sys!OnCancel at DISPATCH_LEVEL |
      | IopCompleteRequest stage 2                         |

  Scenario: an IRP pended without a cancel routine keeps the exiting thread five minutes, then is disassociated and logged
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp         |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And InterruptTime is noted as t0
    And "app" exits
    Then the machine is running
    # 3000 retries of 100 ms, then one more: 300.1 s in 100-ns units.
    And InterruptTime - t0 is 3001000000
    And pending->Cancel is TRUE
    And pending->Tail.Overlay.Thread is NULL
    And ErrorLogEntries is 1
    And errorlog(0)->ErrorCode is 0x80040036
    And errorlog(0)->DeviceObject is device("\Device\Echo")
    # The driver completes it later: with no thread, the I/O manager frees it without stage 2.
    When "Echo.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(pending, IO_NO_INCREMENT) |
    Then the machine is running
    And the trace shows, in order:
      | IopDisassociateThreadIrp       |
      | IO_DRIVER_CANCEL_TIMEOUT       |
      | IopCleanupIrp                  |

  Scenario: a METHOD_OUT_DIRECT IRP pended without a cancel routine: five minutes later the process still holds its locked pages (0x76)
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp         |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS) is noted as IOCTL_DIRECT
    When "app" calls DeviceIoControl(h, IOCTL_DIRECT, in, 8, out, 0x1000) as r
    And InterruptTime is noted as t0
    And "app" exits
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (0, app, 1, 0)
    And InterruptTime - t0 is 3001000000
    And errorlog(0)->ErrorCode is 0x80040036

  Scenario: closing the handle sends IRP_MJ_CLEANUP, where the driver completes what it queued for the file object
    Given "Echo.sys" handles IRP_MJ_CLEANUP with:
      | cleanupFile = IrpSp->FileObject                                                                                      |
      | if (IoSetCancelRoutine(pending, NULL) != NULL) { pending->IoStatus.Status = STATUS_CANCELLED; IoCompleteRequest(pending, IO_NO_INCREMENT) } |
      | Irp->IoStatus.Status = STATUS_SUCCESS                                                                                |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                                                                              |
      | return STATUS_SUCCESS                                                                                                |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" closes h
    Then r->IoStatus.Status is STATUS_CANCELLED
    And cleanupFile is requestFile
    And the trace shows, in order:
      | NtClose                 |
      | IoCallDriver IRP_MJ_CLEANUP |
      | IopCompleteRequest stage 2  |
      | IoCallDriver IRP_MJ_CLOSE   |

  Scenario: a driver without IRP_MJ_CLEANUP keeps the request after the handle is closed; only the thread's exit cancels it
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" closes h
    Then r->IoStatus.Status is 0xCCCCCCCC
    When "app" calls CancelIoEx(h, NULL) as c
    Then c->ReturnValue is STATUS_INVALID_HANDLE
    When "app" exits
    Then the machine is running
    And cancelIrql is DISPATCH_LEVEL
    And the trace shows, in order:
      | IRP_MJ_CLOSE waits for the last reference |
      | IoCancelThreadIo                          |
      | cancel routine Echo.sys!OnCancel          |
