@io
Feature: Opening and closing a device: IRP_MJ_CREATE, IRP_MJ_CLEANUP and IRP_MJ_CLOSE

  NtCreateFile sends IRP_MJ_CREATE to the top of the device's stack (IoAllocateIrp(StackSize, TRUE),
  RequestorMode UserMode, IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API | IRP_DEFER_IO_COMPLETION,
  Parameters.Create.SecurityContext->DesiredAccess, Options = FILE_OPEN << 24 | CreateOptions); a
  driver that fails it leaves the caller without a handle, and its file object goes without
  IRP_MJ_CLEANUP or IRP_MJ_CLOSE; the caller's IO_STATUS_BLOCK gets the status and Information only
  on success. A pended create is waited for on the file object's event. Closing the last handle
  sends IRP_MJ_CLEANUP, then IRP_MJ_CLOSE. Scenario-defined drivers complete create, cleanup and
  close with STATUS_SUCCESS unless the scenario says otherwise (the DispatchCreateClose of the WDK
  samples); scenario-defined filters pass them down.
  Sources: ReactOS IopParseDevice, IoCreateFileEx, IopDeleteFile
  (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/file.c);
  https://learn.microsoft.com/windows-hardware/drivers/kernel/irp-mj-create,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/irp-mj-cleanup,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/irp-mj-close.

  Background:
    Given a machine
    And a user process "app"
    And a driver "Echo.sys" with a device "\Device\Echo"
    And 0 is noted as order

  @ddi:IoCompleteRequest
  Scenario: the create goes through the filter to the driver, with the caller's access and mode
    Given a filter driver "Filt.sys" attached to "\Device\Echo"
    And "Echo.sys" handles IRP_MJ_CREATE with:
      | access = IrpSp->Parameters.Create.SecurityContext->DesiredAccess |
      | options = IrpSp->Parameters.Create.Options                      |
      | mode = Irp->RequestorMode                                        |
      | flags = Irp->Flags                                               |
      | created = IrpSp->FileObject                                      |
      | Irp->IoStatus.Information = FILE_OPENED                          |
      | Irp->IoStatus.Status = STATUS_SUCCESS                            |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                          |
      | return STATUS_SUCCESS                                            |
    When "app" tries to open "\Device\Echo" for GENERIC_READ | FILE_WRITE_DATA as o
    Then these hold:
      | expression                                 | value                                                          |
      | o->ReturnValue                             | STATUS_SUCCESS                                                 |
      | o->IoStatus.Status                         | STATUS_SUCCESS                                                 |
      | o->IoStatus.Information                    | FILE_OPENED                                                    |
      | o->Win32Result                             | TRUE                                                           |
      | access & FILE_READ_DATA                    | FILE_READ_DATA                                                 |
      | access & FILE_WRITE_DATA                   | FILE_WRITE_DATA                                                |
      | options >> 24                              | FILE_OPEN                                                      |
      | mode                                       | UserMode                                                       |
      | flags & (IRP_CREATE_OPERATION \| IRP_SYNCHRONOUS_API \| IRP_DEFER_IO_COMPLETION) | IRP_CREATE_OPERATION \| IRP_SYNCHRONOUS_API \| IRP_DEFER_IO_COMPLETION |
      | created->Event.Header.SignalState          | 1                                                              |

  @ddi:IoCompleteRequest
  Scenario: a driver that fails the create: no handle, CreateFile's last error, and no close ever comes
    Given "Echo.sys" handles IRP_MJ_CREATE with:
      | Irp->IoStatus.Status = STATUS_ACCESS_DENIED |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)     |
      | return STATUS_ACCESS_DENIED                 |
    And "Echo.sys" handles IRP_MJ_CLOSE with:
      | order = order * 10 + 2                  |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "app" tries to open "\Device\Echo" as o
    Then these hold:
      | expression          | value                |
      | o->ReturnValue      | STATUS_ACCESS_DENIED |
      | o->Win32Result      | FALSE                |
      | o->LastError        | ERROR_ACCESS_DENIED  |
      | o->IoStatus.Status  | 0xCCCCCCCC           |
      | order               | 0                    |
    And the machine is running

  @ddi:IoCompleteRequest
  Scenario: closing the handle sends IRP_MJ_CLEANUP, then IRP_MJ_CLOSE
    Given "Echo.sys" handles IRP_MJ_CLEANUP with:
      | order = order * 10 + 1                  |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "Echo.sys" handles IRP_MJ_CLOSE with:
      | order = order * 10 + 2                  |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Echo" as h
    Then order is 0
    When "app" closes h
    Then order is 12

  @ddi:IoMarkIrpPending @ddi:IoCompleteRequest
  Scenario: a create the driver pends: the opening thread waits until the device finishes it
    Given "Echo.sys" handles IRP_MJ_CREATE with:
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    And "Echo.sys"'s device interrupts for each request the driver pends, with a DPC on processor 1:
      | Irp->IoStatus.Information = FILE_OPENED |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
    When "app" tries to open "\Device\Echo" as o
    Then o->ReturnValue is STATUS_SUCCESS
    And o->IoStatus.Information is FILE_OPENED

  Scenario: a create the driver pends and never completes: the opening thread waits for ever
    Given "Echo.sys" handles IRP_MJ_CREATE with:
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "app" tries to open "\Device\Echo" as o
    Then the current thread hung in KeWaitForSingleObject
