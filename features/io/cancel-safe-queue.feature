@io
Feature: A cancel-safe queue: the same driver with IoCsq handles every cancel the hand-written one gets wrong

  The driver keeps its pended IRPs in a cancel-safe queue: an IO_CSQ in nonpaged pool, a LIST_ENTRY
  head and a spin lock, and six callbacks. IoCsqInsertIrp marks the IRP pending, queues it under the
  driver's lock and sets nt's own cancel routine; a cancel dequeues it under that lock and hands it
  to CsqCompleteCanceledIrp; IoCsqRemoveNextIrp and IoCsqRemoveIrp only hand out IRPs whose cancel
  routine they could still clear, so the driver never completes an IRP with a cancel routine set,
  never completes one twice and never loses a cancel.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/kernel/cancel-safe-irp-queues,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqinitialize,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqinsertirp,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqremovenextirp,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocsqremoveirp;
  ReactOS's csq library (https://github.com/reactos/reactos/blob/master/sdk/lib/drivers/csq/csq.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Echo.sys" with a device "\Device\Echo"
    And "Echo.sys" has a CsqInsertIrp routine "InsertIrp":
      | InsertTailList(queue, &Irp->Tail.Overlay.ListEntry) |
    And "Echo.sys" has a CsqRemoveIrp routine "RemoveIrp":
      | RemoveEntryList(&Irp->Tail.Overlay.ListEntry) |
    And "Echo.sys" has a CsqPeekNextIrp routine "PeekNextIrp":
      | if (Irp == NULL) entry = ((PLIST_ENTRY)queue)->Flink else entry = Irp->Tail.Overlay.ListEntry.Flink                                                                   |
      | while (entry != queue && PeekContext != NULL && CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry)->Tail.Overlay.CurrentStackLocation->FileObject != PeekContext) entry = ((PLIST_ENTRY)entry)->Flink |
      | if (entry == queue) return NULL                                                                                                                                     |
      | return CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry)                                                                                                        |
    And "Echo.sys" has a CsqAcquireLock routine "AcquireLock":
      | *(PUCHAR)Irql = KeAcquireSpinLock(lock) |
    And "Echo.sys" has a CsqReleaseLock routine "ReleaseLock":
      | KeReleaseSpinLock(lock, Irql) |
    And "Echo.sys" has a CsqCompleteCanceledIrp routine "CompleteCanceledIrp":
      | completedAt = CurrentIrql               |
      | Irp->IoStatus.Status = STATUS_CANCELLED |
      | Irp->IoStatus.Information = 0           |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
    And "Echo.sys" runs:
      | csq = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(IO_CSQ), 'qsCE')                                                 |
      | queue = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(LIST_ENTRY), 'qsCE')                                           |
      | lock = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'qsCE')                                                             |
      | InitializeListHead(queue)                                                                                           |
      | KeInitializeSpinLock(lock)                                                                                          |
      | IoCsqInitialize(csq, "InsertIrp", "RemoveIrp", "PeekNextIrp", "AcquireLock", "ReleaseLock", "CompleteCanceledIrp") |
    And "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp                   |
      | IoCsqInsertIrp(csq, Irp, NULL)  |
      | return STATUS_PENDING           |
    And "app" opens "\Device\Echo" overlapped as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL

  @ddi:IoCsqInitialize @ddi:IoCsqInsertIrp
  Scenario: the queued IRP is marked pending, linked in the driver's list, and carries nt's cancel routine
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->ReturnValue is STATUS_PENDING
    And these hold:
      | expression                                   | value                           |
      | ((PIO_CSQ)csq)->Type                         | 2                               |
      | ((PLIST_ENTRY)queue)->Flink                  | &pending->Tail.Overlay.ListEntry |
      | pending->Tail.Overlay.DriverContext[3]       | csq                             |
      | pending->CancelRoutine                       | IopCsqCancelRoutine             |
      | db(lock)                                     | 0                               |

  @ddi:IoCsqInsertIrp
  Scenario: CancelIoEx: the queue's cancel routine dequeues the IRP under the driver's lock and completes it STATUS_CANCELLED
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIoEx(h, NULL) as c
    Then r->IoStatus.Status is STATUS_CANCELLED
    And completedAt is APC_LEVEL
    And ((PLIST_ENTRY)queue)->Flink is queue
    And db(IopCancelSpinLock) is 0
    And db(lock) is 0
    And CurrentIrql is PASSIVE_LEVEL

  @ddi:IoCsqRemoveNextIrp
  Scenario: the DPC that completes the request takes it with IoCsqRemoveNextIrp: no cancel routine is left, Verifier's I/O checks pass
    Given Driver Verifier is enabled for "Echo.sys" with standard settings
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "Echo.sys" runs a DPC on processor 1:
      | next = IoCsqRemoveNextIrp(csq, NULL)     |
      | next->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(next, IO_NO_INCREMENT) |
    Then the machine is running
    And next is pending
    And r->IoStatus.Status is STATUS_SUCCESS

  @ddi:IoCsqRemoveNextIrp
  Scenario: after a cancel the queue hands out nothing, so the racing DPC cannot complete the IRP twice
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIoEx(h, NULL) as c
    And "Echo.sys" runs a DPC on processor 1:
      | next = IoCsqRemoveNextIrp(csq, NULL)                    |
      | if (next != NULL) IoCompleteRequest(next, IO_NO_INCREMENT) |
    Then the machine is running
    And next is NULL
    And r->IoStatus.Status is STATUS_CANCELLED

  @ddi:IoCsqInsertIrp
  Scenario: an IRP cancelled before it reached the queue is completed by IoCsqInsertIrp instead of queued
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp         |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "app" calls CancelIoEx(h, NULL) as c
    Then pending->Cancel is TRUE
    When "Echo.sys" runs a DPC on processor 1:
      | IoCsqInsertIrp(csq, pending, NULL) |
    Then r->IoStatus.Status is STATUS_CANCELLED
    And ((PLIST_ENTRY)queue)->Flink is queue

  @ddi:IoCsqRemoveIrp @ddi:IoCsqInsertIrp
  Scenario: IoCsqRemoveIrp with the IRP's IO_CSQ_IRP_CONTEXT returns it while queued, NULL once it was cancelled
    Given "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | pending = Irp                                                          |
      | ctx = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(IO_CSQ_IRP_CONTEXT), 'xtCE') |
      | IoCsqInsertIrp(csq, Irp, ctx)                                          |
      | return STATUS_PENDING                                                  |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then ((PIO_CSQ_IRP_CONTEXT)ctx)->Irp is pending
    And ((PIO_CSQ_IRP_CONTEXT)ctx)->Csq is csq
    And pending->Tail.Overlay.DriverContext[3] is ctx
    When "app" calls CancelIoEx(h, NULL) as c
    Then ((PIO_CSQ_IRP_CONTEXT)ctx)->Irp is NULL
    When "Echo.sys" runs a DPC on processor 1:
      | got = IoCsqRemoveIrp(csq, ctx) |
    Then got is NULL
    And r->IoStatus.Status is STATUS_CANCELLED

  Scenario: the thread exits: the queued IRP is cancelled at once, no five-minute wait, nothing logged
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And InterruptTime is noted as t0
    And "app" exits
    Then the machine is running
    And InterruptTime is t0
    And ErrorLogEntries is 0
    And ((PLIST_ENTRY)queue)->Flink is queue

  @ddi:IoCsqRemoveNextIrp
  Scenario: closing the handle: IRP_MJ_CLEANUP drains the queue of that file object's IRPs only
    Given "Echo.sys" handles IRP_MJ_CLEANUP with:
      | next = IoCsqRemoveNextIrp(csq, IrpSp->FileObject)                                                                                                   |
      | while (next != NULL) { next->IoStatus.Status = STATUS_CANCELLED; IoCompleteRequest(next, IO_NO_INCREMENT); next = IoCsqRemoveNextIrp(csq, IrpSp->FileObject) } |
      | Irp->IoStatus.Status = STATUS_SUCCESS                                                                                                               |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                                                                                                             |
      | return STATUS_SUCCESS                                                                                                                               |
    And "app" opens "\Device\Echo" overlapped as other
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r1
    And "app" calls DeviceIoControl(other, IOCTL, in, 8, out, 8) as r2
    And "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r3
    And "app" closes h
    Then r1->IoStatus.Status is STATUS_CANCELLED
    And r3->IoStatus.Status is STATUS_CANCELLED
    And r2->IoStatus.Status is 0xCCCCCCCC
    And ((PLIST_ENTRY)queue)->Flink is &r2->Irp->Tail.Overlay.ListEntry
