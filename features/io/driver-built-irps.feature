@io
Feature: IRPs a driver builds: synchronous and asynchronous FSD requests, IRPs in the driver's own pool, and the event the I/O manager sets

  IoBuildSynchronousFsdRequest and IoBuildDeviceIoControlRequest build threaded IRPs: the IRP is
  queued to the current thread (ETHREAD.IrpList through Irp->ThreadListEntry), and stage 2 of
  completion, in that thread, writes the IoStatusBlock, sets the Event, frees the MDLs and the IRP.
  The buffer goes as the target device takes it: a system buffer for DO_BUFFERED_IO, an MDL locked
  in KernelMode for DO_DIRECT_IO, the address itself otherwise. IoBuildAsynchronousFsdRequest builds
  the same IRP without an event and without queueing it: the caller's completion routine is to free
  it (MmUnlockPages and IoFreeMdl of its MDL, IoFreeIrp) and return STATUS_MORE_PROCESSING_REQUIRED;
  a routine that lets completion go on leaves it to stage 2 in the thread that built it, which
  frees it as for a threaded IRP. An IRP in the driver's own pool is initialized with
  IoInitializeIrp (IoSizeOfIrp bytes) and reused with IoReuseIrp, which keeps its AllocationFlags.
  A threaded IRP freed by its builder stays on its thread's list: Driver Verifier's I/O Verification
  calls that 0xC9/0x02, the checked kernel asserts IsListEmpty(&Irp->ThreadListEntry), and the free
  kernel leaves the thread's IrpList pointing into the freed IRP.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iobuildsynchronousfsdrequest,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iobuildasynchronousfsdrequest,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioinitializeirp,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioreuseirp,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc9--driver-verifier-iomanager-violation,
  ReactOS ntoskrnl/io/iomgr/irp.c (IoBuildAsynchronousFsdRequest, IoBuildSynchronousFsdRequest,
  IopQueueIrpToThread, IoFreeIrp, IoReuseIrp).

  Background:
    Given a machine
    And a user process "app"
    And "app" is running on processor 0
    And a driver "Fs.sys" with a device "\Device\Fs"
    And "Fs.sys" runs:
      | ev = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(KEVENT), 'tvEK')          |
      | iosb = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'bsoI')                     |
      | buf = ExAllocatePoolWithTag(NonPagedPoolNx, 0x200, 'fuBK')                   |
      | offset = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(LARGE_INTEGER), 'ffOK') |
      | *(PLARGE_INTEGER)offset = 0x1000                                             |
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                              |

  @ddi:IoBuildSynchronousFsdRequest @ddi:KeWaitForSingleObject
  Scenario: A synchronous FSD read on a buffered device, completed at once: the event is set and the IOSB written before the wait
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_BUFFERED_IO
    And "Disk.sys" handles IRP_MJ_READ with:
      | seenFlags = Irp->Flags                                             |
      | seenSystem = Irp->AssociatedIrp.SystemBuffer                       |
      | seenUser = Irp->UserBuffer                                         |
      | seenEvent = Irp->UserEvent                                         |
      | seenIosb = Irp->UserIosb                                           |
      | seenThread = Irp->Tail.Overlay.Thread                              |
      | seenMode = Irp->RequestorMode                                      |
      | seenLength = IrpSp->Parameters.Read.Length                         |
      | seenOffset = IrpSp->Parameters.Read.ByteOffset                     |
      | RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, "sector data", 11)  |
      | Irp->IoStatus.Information = 11                                     |
      | Irp->IoStatus.Status = STATUS_SUCCESS                              |
      | IoCompleteRequest(Irp, IO_DISK_INCREMENT)                          |
      | return STATUS_SUCCESS                                              |
    When "Fs.sys" runs:
      | irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, device("\Device\Disk"), buf, 0x200, offset, ev, iosb) |
      | me = KeGetCurrentThread()                                          |
      | queued = me->IrpList.Flink                                         |
      | stackCount = irp->StackCount                                       |
      | location = irp->CurrentLocation                                    |
      | status = IoCallDriver(device("\Device\Disk"), irp)                 |
      | signalled = KeReadStateEvent(ev)                                   |
      | wait = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL) |
    Then these hold:
      | expression                    | value                                                           |
      | queued                        | &irp->ThreadListEntry                                           |
      | stackCount                    | 1                                                               |
      | location                      | 2                                                               |
      | seenFlags                     | IRP_BUFFERED_IO \| IRP_DEALLOCATE_BUFFER \| IRP_INPUT_OPERATION |
      | seenUser                      | buf                                                             |
      | seenEvent                     | ev                                                              |
      | seenIosb                      | iosb                                                            |
      | seenThread                    | me                                                              |
      | seenMode                      | KernelMode                                                      |
      | seenLength                    | 0x200                                                           |
      | seenOffset                    | 0x1000                                                          |
      | status                        | STATUS_SUCCESS                                                  |
      | signalled                     | 1                                                               |
      | wait                          | STATUS_SUCCESS                                                  |
      | *(PULONG)iosb                 | STATUS_SUCCESS                                                  |
      | *(PULONG_PTR)(iosb + 8)       | 11                                                              |
      | me->IrpList.Flink             | &me->IrpList                                                    |
      | pool(seenSystem)->Freed       | 1                                                               |
      | pool(irp)->OnLookasideList    | 1                                                               |
    And the driver reads "sector data" at buf
    And the trace shows, in order:
      | IoBuildSynchronousFsdRequest(IRP_MJ_READ |
      | IopCompleteRequest stage 2              |
      | KeSetEvent(UserEvent                    |
      | KeWaitForSingleObject returned STATUS_SUCCESS |

  @ddi:IoBuildSynchronousFsdRequest @ddi:KeWaitForSingleObject
  Scenario: A synchronous FSD read the disk pends: the requester blocks, the device's DPC completes it, stage 2 in the waiting thread sets the event
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_DIRECT_IO
    And "Disk.sys" handles IRP_MJ_READ with:
      | mdl = Irp->MdlAddress  |
      | mdlFlags = mdl->MdlFlags |
      | IoMarkIrpPending(Irp)  |
      | return STATUS_PENDING  |
    And "Disk.sys"'s device interrupts for each request the driver pends, with a DPC on processor 1:
      | dpcIrql = KeGetCurrentIrql()                                             |
      | dpcThread = KeGetCurrentThread()                                         |
      | va = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority)   |
      | RtlCopyMemory(va, "from the platter", 16)                                |
      | Irp->IoStatus.Information = 16                                           |
      | Irp->IoStatus.Status = STATUS_SUCCESS                                    |
      | IoCompleteRequest(Irp, IO_DISK_INCREMENT)                                |
    And MmSystemLockPagesCount is noted as locked0
    When "Fs.sys" runs:
      | irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, device("\Device\Disk"), buf, 0x200, offset, ev, iosb) |
      | me = KeGetCurrentThread()                                              |
      | status = IoCallDriver(device("\Device\Disk"), irp)                     |
      | wait = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL)   |
      | after = KeGetCurrentThread()                                           |
    Then these hold:
      | expression              | value               |
      | status                  | STATUS_PENDING      |
      | wait                    | STATUS_SUCCESS      |
      | after                   | me                  |
      | dpcIrql                 | DISPATCH_LEVEL      |
      | dpcThread               | not me              |
      | *(PULONG)iosb           | STATUS_SUCCESS      |
      | *(PULONG_PTR)(iosb + 8) | 16                  |
      | MmSystemLockPagesCount  | locked0             |
      | pool(mdl)->Freed \| pool(mdl)->OnLookasideList | 1 |
    And mdlFlags has MDL_PAGES_LOCKED | MDL_WRITE_OPERATION
    And the driver reads "from the platter" at buf
    And the trace shows, in order:
      | waits on event                      |
      | the machine runs: Disk.sys's device finishes |
      | IoCompleteRequest                   |
      | IopCompleteRequest stage 1: MmUnlockPages |
      | APC IopCompleteRequest queued       |
      | IopCompleteRequest stage 2          |
      | KeWaitForSingleObject returned STATUS_SUCCESS |

  @ddi:IoBuildSynchronousFsdRequest
  Scenario: Waiting for a request the disk pends with no device to finish it: the thread hangs
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_DIRECT_IO
    And "Disk.sys" handles IRP_MJ_READ with:
      | held = Irp            |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "Fs.sys" runs:
      | irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, device("\Device\Disk"), buf, 0x200, offset, ev, iosb) |
      | status = IoCallDriver(device("\Device\Disk"), irp)                     |
      | KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL)          |
    Then the current thread hung in KeWaitForSingleObject
    And status is STATUS_PENDING

  @ddi:IoBuildSynchronousFsdRequest
  Scenario Outline: <major> carries no buffer, whatever the device's I/O method
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_DIRECT_IO
    And "Disk.sys" handles <major> with:
      | seenMdl = Irp->MdlAddress                  |
      | seenSystem = Irp->AssociatedIrp.SystemBuffer |
      | seenMajor = IrpSp->MajorFunction           |
      | Irp->IoStatus.Status = STATUS_SUCCESS      |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)    |
      | return STATUS_SUCCESS                      |
    When "Fs.sys" runs:
      | irp = IoBuildSynchronousFsdRequest(<major>, device("\Device\Disk"), NULL, 0, NULL, ev, iosb) |
      | status = IoCallDriver(device("\Device\Disk"), irp)                                         |
      | wait = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL)                       |
    Then seenMdl is NULL
    And seenSystem is NULL
    And seenMajor is <major>
    And wait is STATUS_SUCCESS

    Examples:
      | major                |
      | IRP_MJ_FLUSH_BUFFERS |
      | IRP_MJ_SHUTDOWN      |

  @ddi:IoBuildAsynchronousFsdRequest @ddi:IoFreeIrp
  Scenario: An asynchronous FSD write freed by its completion routine: MDL unlocked and freed, IRP freed, completion stopped
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_DIRECT_IO
    And "Disk.sys" handles IRP_MJ_WRITE with:
      | Irp->IoStatus.Information = IrpSp->Parameters.Write.Length |
      | Irp->IoStatus.Status = STATUS_SUCCESS                      |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                    |
      | return STATUS_SUCCESS                                      |
    And "Fs.sys" has a completion routine "WriteDone":
      | written = Irp->IoStatus.Information |
      | MmUnlockPages(Irp->MdlAddress)      |
      | IoFreeMdl(Irp->MdlAddress)          |
      | IoFreeIrp(Irp)                      |
      | return STATUS_MORE_PROCESSING_REQUIRED |
    And MmSystemLockPagesCount is noted as locked0
    When "Fs.sys" runs:
      | irp = IoBuildAsynchronousFsdRequest(IRP_MJ_WRITE, device("\Device\Disk"), buf, 0x200, offset, iosb) |
      | seenEvent = irp->UserEvent                                                                         |
      | listed = irp->ThreadListEntry.Flink                                                                |
      | mdl = irp->MdlAddress                                                                              |
      | IoSetCompletionRoutine(irp, "WriteDone", NULL, TRUE, TRUE, TRUE)                                   |
      | status = IoCallDriver(device("\Device\Disk"), irp)                                                 |
    Then these hold:
      | expression                 | value                    |
      | seenEvent                  | NULL                     |
      | listed                     | &irp->ThreadListEntry    |
      | status                     | STATUS_SUCCESS           |
      | written                    | 0x200                    |
      | MmSystemLockPagesCount     | locked0                  |
      | pool(irp)->OnLookasideList | 1                        |
      | *(PULONG)iosb              | 0                        |
    And the trace shows, in order:
      | completion routine WriteDone of Fs.sys |
      | STATUS_MORE_PROCESSING_REQUIRED: completion of |

  @ddi:IoBuildAsynchronousFsdRequest
  Scenario: An asynchronous FSD write whose completion routine lets completion go on: stage 2 in the building thread writes the IOSB and frees the IRP
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_DIRECT_IO
    And "Disk.sys" handles IRP_MJ_WRITE with:
      | Irp->IoStatus.Information = 0x200       |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "Fs.sys" has a completion routine "Forgetful":
      | return STATUS_SUCCESS |
    And MmSystemLockPagesCount is noted as locked0
    When "Fs.sys" runs:
      | irp = IoBuildAsynchronousFsdRequest(IRP_MJ_WRITE, device("\Device\Disk"), buf, 0x200, offset, iosb) |
      | mdl = irp->MdlAddress                                                                              |
      | IoSetCompletionRoutine(irp, "Forgetful", NULL, TRUE, TRUE, TRUE)                                   |
      | status = IoCallDriver(device("\Device\Disk"), irp)                                                 |
    Then these hold:
      | expression                 | value          |
      | status                     | STATUS_SUCCESS |
      | *(PULONG)iosb              | STATUS_SUCCESS |
      | *(PULONG_PTR)(iosb + 8)    | 0x200          |
      | MmSystemLockPagesCount     | locked0        |
      | pool(irp)->OnLookasideList | 1              |
      | pool(mdl)->Freed \| pool(mdl)->OnLookasideList | 1 |
    And the machine is running
    And the trace shows, in order:
      | completion routine Forgetful of Fs.sys |
      | APC IopCompleteRequest queued          |
      | IopCompleteRequest stage 2             |

  @ddi:IoInitializeIrp @ddi:IoReuseIrp @ddi:IoSizeOfIrp
  Scenario: An IRP in the driver's own pool: IoInitializeIrp, sent and stopped by its completion routine, reused with IoReuseIrp and sent again
    Given a driver "Disk.sys" with a device "\Device\Disk"
    And "Disk.sys" handles IRP_MJ_FLUSH_BUFFERS with:
      | calls = calls + 1                       |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "Fs.sys" has a completion routine "Mine":
      | return STATUS_MORE_PROCESSING_REQUIRED |
    And 0 is noted as calls
    When "Fs.sys" runs:
      | stack = device("\Device\Disk")->StackSize                          |
      | size = IoSizeOfIrp(stack)                                          |
      | irp = ExAllocatePoolWithTag(NonPagedPoolNx, size, 'prIK')          |
      | IoInitializeIrp(irp, size, stack)                                  |
      | IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS |
      | IoSetCompletionRoutine(irp, "Mine", NULL, TRUE, TRUE, TRUE)        |
      | first = IoCallDriver(device("\Device\Disk"), irp)                  |
      | locationAfterFirst = ((PIRP)irp)->CurrentLocation                  |
      | IoReuseIrp(irp, STATUS_NOT_SUPPORTED)                              |
      | reusedStatus = ((PIRP)irp)->IoStatus.Status                        |
      | reusedLocation = ((PIRP)irp)->CurrentLocation                      |
      | IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS |
      | IoSetCompletionRoutine(irp, "Mine", NULL, TRUE, TRUE, TRUE)        |
      | second = IoCallDriver(device("\Device\Disk"), irp)                 |
    Then these hold:
      | expression                            | value                    |
      | size                                  | sizeof(IRP) + sizeof(IO_STACK_LOCATION) |
      | ((PIRP)irp)->Type                     | IO_TYPE_IRP              |
      | ((PIRP)irp)->Size                     | size                     |
      | ((PIRP)irp)->StackCount               | 1                        |
      | ((PIRP)irp)->AllocationFlags          | 0                        |
      | ((PIRP)irp)->Tail.Overlay.Thread      | NULL                     |
      | ((PIRP)irp)->ThreadListEntry.Flink    | &((PIRP)irp)->ThreadListEntry |
      | first                                 | STATUS_SUCCESS           |
      | locationAfterFirst                    | 2                        |
      | reusedStatus                          | STATUS_NOT_SUPPORTED     |
      | reusedLocation                        | 2                        |
      | second                                | STATUS_SUCCESS           |
      | calls                                 | 2                        |
      | pool(irp)->Tag                        | 'prIK'                   |
      | pool(irp)->Freed                      | 0                        |
    And the machine is running

  @ddi:IoBuildSynchronousFsdRequest @ddi:IoFreeIrp
  Scenario: IoFreeIrp of a threaded IRP before it was sent: the free kernel leaves the thread's IrpList pointing into the freed IRP
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_BUFFERED_IO
    When "Fs.sys" runs:
      | irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, device("\Device\Disk"), buf, 0x200, offset, ev, iosb) |
      | me = KeGetCurrentThread()                                                                          |
      | IoFreeIrp(irp)                                                                                     |
    Then me->IrpList.Flink is &irp->ThreadListEntry
    And pool(irp)->OnLookasideList is 1
    And the machine is running

  @ddi:IoBuildSynchronousFsdRequest @ddi:IoFreeIrp
  Scenario: IoFreeIrp of a threaded IRP under I/O Verification: DRIVER_VERIFIER_IOMANAGER_VIOLATION 0x02
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_BUFFERED_IO
    And Driver Verifier is enabled for "Fs.sys" with standard settings
    When "Fs.sys" runs:
      | irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, device("\Device\Disk"), buf, 0x200, offset, ev, iosb) |
      | IoFreeIrp(irp)                                                                                     |
    Then the machine bug-checked with DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x02, irp, 0, 0)

  @ddi:IoBuildSynchronousFsdRequest @ddi:IoFreeIrp
  Scenario: IoFreeIrp of a threaded IRP on the checked kernel: the ASSERT on its ThreadListEntry
    Given the machine runs the checked kernel
    And a driver "Disk.sys" with a device "\Device\Disk" using DO_BUFFERED_IO
    When "Fs.sys" runs:
      | irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, device("\Device\Disk"), buf, 0x200, offset, ev, iosb) |
      | IoFreeIrp(irp)                                                                                     |
    Then the checked kernel asserted "IsListEmpty(&Irp->ThreadListEntry)" in IoFreeIrp

  @ddi:IoBuildDeviceIoControlRequest @ddi:KeWaitForSingleObject
  Scenario: An IOCTL built with an event, sent to the function driver that pends its requests: the wait lets its device finish, and the event is set with the IOSB written
    Given the function driver "Func.sys" with a device "\Device\Func" using DO_BUFFERED_IO that pends its requests
    And "Func.sys" replies "pong"
    When "Fs.sys" runs:
      | irp = IoBuildDeviceIoControlRequest(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS), device("\Device\Func"), NULL, 0, buf, 0x10, FALSE, ev, iosb) |
      | me = KeGetCurrentThread()                                             |
      | queued = me->IrpList.Flink                                            |
      | status = IoCallDriver(device("\Device\Func"), irp)                    |
      | wait = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL)  |
    Then these hold:
      | expression              | value                 |
      | queued                  | &irp->ThreadListEntry |
      | status                  | STATUS_PENDING        |
      | wait                    | STATUS_SUCCESS        |
      | *(PULONG)iosb           | STATUS_SUCCESS        |
      | *(PULONG_PTR)(iosb + 8) | 4                     |
      | me->IrpList.Flink       | &me->IrpList          |
    And the driver reads "pong" at buf
    And the trace shows, in order:
      | waits on event                               |
      | the machine runs: Func.sys's device finishes |
      | DPC of Func.sys                              |
      | IopCompleteRequest stage 2                   |
      | KeWaitForSingleObject returned STATUS_SUCCESS |
