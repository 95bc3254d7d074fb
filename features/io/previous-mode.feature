@io @ddi:ExGetPreviousMode
Feature: ExGetPreviousMode: the mode the current thread entered the kernel from

  ExGetPreviousMode returns the current thread's KTHREAD.PreviousMode: UserMode in a dispatch
  routine reached from an application's DeviceIoControl (the same as Irp->RequestorMode), KernelMode
  in a system thread -- and in a DPC, whatever thread the processor happened to be running.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exgetpreviousmode,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/previousmode,
  ReactOS KiInitializeContextThread (https://github.com/reactos/reactos/blob/master/ntoskrnl/ke/amd64/thrdini.c:
  a thread with a user context starts with PreviousMode UserMode, a system thread with KernelMode).

  Background:
    Given a machine
    And a user process "app"
    And a driver "Echo.sys" with a device "\Device\Echo"
    And "Echo.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | mode = ExGetPreviousMode()              |
      | requestor = Irp->RequestorMode          |
      | thread = KeGetCurrentThread()           |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Echo" as h

  Scenario: In the dispatch routine of an application's request the previous mode is UserMode, as the IRP's RequestorMode
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), NULL, 0, NULL, 0) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And mode is UserMode
    And requestor is UserMode
    And thread->Tcb.PreviousMode is UserMode

  Scenario: A DPC on a processor running a system thread sees KernelMode
    When "Echo.sys" runs a DPC on processor 1:
      | dpcMode = ExGetPreviousMode()  |
      | dpcThread = KeGetCurrentThread() |
    Then dpcMode is KernelMode
    And dpcThread->Tcb.PreviousMode is KernelMode
