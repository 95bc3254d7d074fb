@misuse @io
Feature: IRP misuse: thread-less IRPs, copy-back past the caller's buffer, unloading under a completion routine

  Sources: ReactOS ntoskrnl/io/iomgr/irp.c (IofCompleteRequest queues IopCompleteRequest as an APC
  to Irp->Tail.Overlay.Thread; a cancelled IRP with no thread is cleaned up; the buffered copy-back
  runs inside SEH) (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/irp.c);
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioallocateirp (an IRP from
  IoAllocateIrp must be freed by its driver's completion routine returning
  STATUS_MORE_PROCESSING_REQUIRED); https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iosetcompletionroutineex;
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xce--driver-unloaded-without-cancelling-pending-operations;
  ReactOS kmtest IoIrp (AllocationFlags as Windows sets them)
  (https://github.com/reactos/reactos/blob/master/modules/rostests/kmtests/ntos_io/IoIrp.c);
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iogetrelateddeviceobject.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Low.sys" with a device "\Device\Low"
    And a driver "Up.sys" with a device "\Device\Up"
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL

  Scenario: an IoAllocateIrp IRP completed without a routine that stops completion: the APC goes to a NULL thread
    # The classic bug: IoCompleteRequest runs stage 1, then queues IopCompleteRequest to
    # Irp->Tail.Overlay.Thread, which is NULL; taking that thread's lock at SYNCH_LEVEL writes
    # NULL + 0x40 (KTHREAD.ThreadLock).
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "Up.sys" runs:
      | irp = IoAllocateIrp(1, FALSE)                                         |
      | IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL |
      | IoCallDriver(device("\Device\Low"), irp)                              |
    Then the machine bug-checked with IRQL_NOT_LESS_OR_EQUAL (0x40, SYNCH_LEVEL, 1, *)

  Scenario: a cancelled IRP with no thread is cleaned up: freed, and nothing written to an IOSB
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->Cancel = TRUE                      |
      | Irp->IoStatus.Status = STATUS_CANCELLED |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_CANCELLED                 |
    When "Up.sys" runs:
      | irp = IoAllocateIrp(1, FALSE)                                         |
      | IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL |
      | IoCallDriver(device("\Device\Low"), irp)                              |
    Then the machine is running
    And pool(irp)->OnLookasideList is 1

  Scenario: the routine that returns STATUS_MORE_PROCESSING_REQUIRED and frees the IRP is the correct pattern
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "Up.sys" has a completion routine "Mine":
      | seen = Irp->IoStatus.Status            |
      | IoFreeIrp(Irp)                         |
      | return STATUS_MORE_PROCESSING_REQUIRED |
    And 0xBAADF00D is noted as seen
    When "Up.sys" runs:
      | irp = IoAllocateIrp(2, FALSE)                                         |
      | IoSetCompletionRoutine(irp, "Mine", NULL, TRUE, TRUE, TRUE)           |
      | IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL |
      | IoCallDriver(device("\Device\Low"), irp)                              |
    Then seen is STATUS_SUCCESS
    And pool(irp)->OnLookasideList is 1
    And the machine is running

  Scenario: Information larger than the caller's buffer: the copy-back faults on the user buffer, caught, STATUS_ACCESS_VIOLATION
    # Stage 2 copies SystemBuffer to UserBuffer forward inside SEH; the fault on the page after
    # "out" becomes the IRP's status, and a pended request's IOSB reports it.
    Given a driver "Buf.sys" with a device "\Device\Buf" using DO_BUFFERED_IO
    And "Buf.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp            |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    And "app" opens "\Device\Buf" overlapped as h
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "Buf.sys" runs:
      | held->IoStatus.Status = STATUS_SUCCESS     |
      | held->IoStatus.Information = 0x80000000    |
      | IoCompleteRequest(held, IO_NO_INCREMENT)   |
    Then r->IoStatus.Status is STATUS_ACCESS_VIOLATION
    And the machine is running

  Scenario: the same completed at once: the service returns the dispatch routine's status, and the IOSB is left unwritten
    # Stage 2 writes no IOSB for an error status on a request that did not pend; the caller gets
    # STATUS_SUCCESS back from IoCallDriver, and its IOSB keeps what it held.
    Given a driver "Buf.sys" with a device "\Device\Buf" using DO_BUFFERED_IO
    And "Buf.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | Irp->IoStatus.Information = 0x80000000  |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Buf" as h
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And r->IoStatus.Status is 0xCCCCCCCC
    And the machine is running

  Scenario: a fresh IRP: AllocationFlags as Windows sets them, CurrentLocation StackCount + 1, CurrentStackLocation one past the last
    When "Up.sys" runs:
      | irp1 = IoAllocateIrp(1, FALSE)  |
      | irp2 = IoAllocateIrp(1, TRUE)   |
      | irp12 = IoAllocateIrp(12, TRUE) |
    Then these hold:
      | expression                                 | value                                                |
      | irp1->AllocationFlags                      | IRP_ALLOCATED_FIXED_SIZE                             |
      | irp2->AllocationFlags                      | IRP_ALLOCATED_FIXED_SIZE \| IRP_LOOKASIDE_ALLOCATION |
      | irp12->AllocationFlags                     | IRP_QUOTA_CHARGED                                    |
      | irp1->StackCount                           | 1                                                    |
      | irp1->CurrentLocation                      | 2                                                    |
      | irp1->Tail.Overlay.CurrentStackLocation    | (PIO_STACK_LOCATION)(irp1 + 1) + 1                   |
      | irp12->CurrentLocation                     | 13                                                   |
      | irp12->Tail.Overlay.CurrentStackLocation   | (PIO_STACK_LOCATION)(irp12 + 1) + 12             |

  Scenario: FILE_OBJECT.DeviceObject is the device opened; the IRP goes to the top of its stack; the file object is signalled
    Given a filter driver "Filt.sys" attached to "\Device\Low"
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | fo = IoGetCurrentIrpStackLocation(Irp)->FileObject |
      | Irp->IoStatus.Status = STATUS_SUCCESS              |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)            |
      | return STATUS_SUCCESS                              |
    And "Filt.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | first = DeviceObject                  |
      | IoSkipCurrentIrpStackLocation(Irp)    |
      | return IoCallDriver(LowerDevice, Irp) |
    And "app" opens "\Device\Low" as h
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then fo->DeviceObject->AttachedDevice is first
    And first is device("\Device\Low")
    And fo->DeviceObject is not first
    And fo->Event.Header.SignalState is 1

  Scenario: IoSetCompletionRoutineEx references the device: the driver cannot unload under its routine
    Given a filter driver "Filt.sys" attached to "\Device\Low"
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp            |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    And "Filt.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | IoCopyCurrentIrpStackLocationToNext(Irp)                                          |
      | IoSetCompletionRoutineEx(DeviceObject, Irp, "Done", NULL, TRUE, TRUE, TRUE)        |
      | return IoCallDriver(LowerDevice, Irp)                                             |
    And "Filt.sys" has a completion routine "Done":
      | ran = 1                                         |
      | if (Irp->PendingReturned) IoMarkIrpPending(Irp) |
      | return STATUS_CONTINUE_COMPLETION               |
    And 0 is noted as ran
    And "app" opens "\Device\Low" overlapped as h
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "Filt.sys" is unloaded
    And "Low.sys" runs:
      | held->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(held, IO_NO_INCREMENT) |
    Then ran is 1
    And r->IoStatus.Status is STATUS_SUCCESS
    And the machine is running

  Scenario: with IoSetCompletionRoutine the driver unloads, and its routine's code is gone when the IRP completes: 0xCE
    Given a filter driver "Filt.sys" attached to "\Device\Low"
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp            |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    And "Filt.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | IoCopyCurrentIrpStackLocationToNext(Irp)                    |
      | IoSetCompletionRoutine(Irp, "Done", NULL, TRUE, TRUE, TRUE) |
      | return IoCallDriver(LowerDevice, Irp)                       |
    And "Filt.sys" has a completion routine "Done":
      | return STATUS_CONTINUE_COMPLETION |
    And "app" opens "\Device\Low" overlapped as h
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    And "Filt.sys" is unloaded
    And "Low.sys" runs:
      | held->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(held, IO_NO_INCREMENT) |
    Then the machine bug-checked with DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (*, 0, *, 0)

  Scenario: an IRP completed again after its completion ran to the end (and it went back to its lookaside list): 0x44
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp                              |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Low" as h
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then pool(held)->OnLookasideList is 1
    When "Low.sys" runs:
      | IoCompleteRequest(held, IO_NO_INCREMENT) |
    Then the machine bug-checked with MULTIPLE_IRP_COMPLETE_REQUESTS (held, 0, 0, 0)

  Scenario: IoFreeMdl twice: the fixed-size MDL goes to its lookaside list twice, and two allocations get the same MDL
    When "Up.sys" runs:
      | a = IoAllocateMdl(NULL, 0x1000, FALSE, FALSE, NULL) |
      | IoFreeMdl(a)                                        |
      | IoFreeMdl(a)                                        |
      | b = IoAllocateMdl(NULL, 0x1000, FALSE, FALSE, NULL) |
      | c = IoAllocateMdl(NULL, 0x1000, FALSE, FALSE, NULL) |
    Then b is a
    And c is a
    And the machine is running

  Scenario: an MDL freed while still chained to its IRP comes back as the chain's tail: the next walk never ends
    # Found by random testing. IoAllocateMdl with SecondaryBuffer walks Irp->MdlAddress to the
    # tail; b, freed but still a->Next, is handed out again and appended after itself.
    When "Up.sys" runs:
      | irp = IoAllocateIrp(1, FALSE)                      |
      | a = IoAllocateMdl(NULL, 0x1000, FALSE, FALSE, irp) |
      | b = IoAllocateMdl(NULL, 0x1000, TRUE, FALSE, irp)  |
      | IoFreeMdl(b)                                       |
      | c = IoAllocateMdl(NULL, 0x1000, TRUE, FALSE, irp)  |
    Then c is b
    And a->Next is b
    And b->Next is b
    When "Up.sys" runs:
      | IoAllocateMdl(NULL, 0x1000, TRUE, FALSE, irp) |
    Then the current thread hung in IoAllocateMdl

  Scenario: the same walk at DISPATCH_LEVEL ends in the DPC watchdog
    When "Up.sys" runs:
      | irp = IoAllocateIrp(1, FALSE)                      |
      | a = IoAllocateMdl(NULL, 0x1000, FALSE, FALSE, irp) |
      | b = IoAllocateMdl(NULL, 0x1000, TRUE, FALSE, irp)  |
      | b->Next = a                                        |
      | KeRaiseIrql(DISPATCH_LEVEL)                        |
      | IoAllocateMdl(NULL, 0x1000, TRUE, FALSE, irp)      |
    Then the machine bug-checked with DPC_WATCHDOG_VIOLATION (1, 0x1E00, *, *)

  Scenario: IoCompleteRequest of an IRP that was never sent clears a stack location past its end, over the next pool block
    # Found by random testing. A fresh IRP's current location is one past its last one; stage 1
    # skips it and clears it (IopClearStackLocation) as ReactOS's IofCompleteRequest does, writing
    # zeros where the next pool block's header lies. The NULL thread then ends it.
    When "Up.sys" runs:
      | irp = IoAllocateIrp(1, FALSE)                       |
      | mdl = IoAllocateMdl(NULL, 0x1000, FALSE, FALSE, NULL) |
    Then (ULONG_PTR)mdl - 0x10 is (ULONG_PTR)irp + 0x120
    And db((ULONG_PTR)mdl - 0x10 + 2) is not 0
    When "Up.sys" runs:
      | IoCompleteRequest(irp, IO_NO_INCREMENT) |
    Then the machine bug-checked with IRQL_NOT_LESS_OR_EQUAL (0x40, SYNCH_LEVEL, 1, *)
    And db((ULONG_PTR)mdl - 0x10 + 2) is 0
